/*
 * kmdllio.h — the interface of the KmdllIo example drivers (io-devices, io-unsafe): device names,
 * IOCTL codes and the records they exchange with a user-mode program. Shared by both drivers and
 * by the program's side (the test computes the bytes it expects from this description).
 */
#ifndef KMDLLIO_H
#define KMDLLIO_H

#define KMDLLIO_DEVICE_TYPE 0x8A00

/* Output = input reversed, each byte XOR 0x5A (METHOD_BUFFERED). */
#define IOCTL_KIO_REVERSE   CTL_CODE(KMDLLIO_DEVICE_TYPE, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* Input: one key byte; Information = how many bytes of the MDL buffer equal the key (METHOD_IN_DIRECT). */
#define IOCTL_KIO_COUNT     CTL_CODE(KMDLLIO_DEVICE_TYPE, 0x801, METHOD_IN_DIRECT, FILE_READ_ACCESS)
/* Input: one seed byte; the MDL buffer is filled with (seed + 7 * i) & 0xFF (METHOD_OUT_DIRECT). */
#define IOCTL_KIO_FILL      CTL_CODE(KMDLLIO_DEVICE_TYPE, 0x802, METHOD_OUT_DIRECT, FILE_WRITE_ACCESS)
/* Output = input with each byte + 1, through the caller's own pointers, probed in __try (METHOD_NEITHER). */
#define IOCTL_KIO_INCREMENT CTL_CODE(KMDLLIO_DEVICE_TYPE, 0x803, METHOD_NEITHER, FILE_ANY_ACCESS)
/* Writes 8 bytes 0xA0..0xA7 into a smaller output buffer and says STATUS_BUFFER_OVERFLOW (METHOD_BUFFERED). */
#define IOCTL_KIO_OVERFLOW  CTL_CODE(KMDLLIO_DEVICE_TYPE, 0x804, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* Output: a KIO_MODE record describing the request and the open (METHOD_BUFFERED). */
#define IOCTL_KIO_MODE      CTL_CODE(KMDLLIO_DEVICE_TYPE, 0x805, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* Pends the request and completes it from a timer DPC 10 ms later: output = the input's first byte + 1 (METHOD_BUFFERED). */
#define IOCTL_KIO_PENDING   CTL_CODE(KMDLLIO_DEVICE_TYPE, 0x806, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* io-unsafe: copies InputBufferLength bytes from Type3InputBuffer to UserBuffer, probing nothing. */
#define IOCTL_KIO_UNSAFE_COPY CTL_CODE(KMDLLIO_DEVICE_TYPE, 0x810, METHOD_NEITHER, FILE_ANY_ACCESS)

#pragma pack(push, 1)
typedef struct _KIO_MODE {
    UCHAR RequestorMode;    /* Irp->RequestorMode */
    UCHAR PreviousMode;     /* ExGetPreviousMode() */
    USHORT FileNameLength;  /* FileObject->FileName.Length at IRP_MJ_CREATE, in bytes */
    ULONG DesiredAccess;    /* IO_SECURITY_CONTEXT.DesiredAccess at IRP_MJ_CREATE */
    ULONG Opens;            /* IRP_MJ_CREATE requests seen by the device */
    ULONG Cleanups;         /* IRP_MJ_CLEANUP requests seen by the device */
} KIO_MODE;
#pragma pack(pop)

/* Each device stores this many bytes for read/write. */
#define KIO_STORE_SIZE 64

#endif
