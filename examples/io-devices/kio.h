/* kio.h — what the io-devices driver's files share. */
#include <ntddk.h>
#include "../include/kmdllio.h"

typedef struct _KIO_DEVICE {
    UCHAR Store[KIO_STORE_SIZE];
    ULONG Opens;
    ULONG Cleanups;
    USHORT LastFileNameLength;
    ULONG LastDesiredAccess;
    KTIMER Timer;
    KDPC Dpc;
    PIRP Pending;
} KIO_DEVICE, *PKIO_DEVICE;

NTSTATUS KioComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information);
DRIVER_DISPATCH KioDeviceControl;
KDEFERRED_ROUTINE KioTimerDpc;
DRIVER_DISPATCH KioRead;
DRIVER_DISPATCH KioWrite;
