/*
 * dumpport.h - the crash-dump port driver contract (shared by entry.c and dumpio.c).
 *
 * DUMP_INITIALIZATION_CONTEXT as the WDK's ntdddump.h declares it (field order and types; x64
 * offsets in the comments): crashdmp.sys passes it as DriverEntry's second argument.
 */
#pragma once
#include <ntddk.h>

typedef VOID (*PDUMP_STALL_ROUTINE)(ULONG Delay);
typedef BOOLEAN (*PDUMP_OPEN_ROUTINE)(LARGE_INTEGER PartitionOffset);
typedef NTSTATUS (*PDUMP_WRITE_ROUTINE)(PLARGE_INTEGER DiskByteOffset, PMDL Mdl);
typedef VOID (*PDUMP_FINISH_ROUTINE)(VOID);

typedef struct _DUMP_PORT_CONFIGURATION {
    ULONG Length;
    ULONG SystemIoBusNumber;
    INTERFACE_TYPE AdapterInterfaceType;
} DUMP_PORT_CONFIGURATION, *PDUMP_PORT_CONFIGURATION;

typedef struct _DUMP_INITIALIZATION_CONTEXT {
    ULONG Length;                          /* 0x00 */
    ULONG Reserved;                        /* 0x04 */
    PVOID MemoryBlock;                     /* 0x08 */
    PVOID CommonBuffer[2];                 /* 0x10 */
    PHYSICAL_ADDRESS PhysicalAddress[2];   /* 0x20 */
    PDUMP_STALL_ROUTINE StallRoutine;      /* 0x30 */
    PDUMP_OPEN_ROUTINE OpenRoutine;        /* 0x38 */
    PDUMP_WRITE_ROUTINE WriteRoutine;      /* 0x40 */
    PDUMP_FINISH_ROUTINE FinishRoutine;    /* 0x48 */
    PVOID AdapterObject;                   /* 0x50 */
    PVOID MappedRegisterBase;              /* 0x58 */
    PDUMP_PORT_CONFIGURATION PortConfiguration; /* 0x60 */
    BOOLEAN CrashDump;                     /* 0x68 */
    ULONG MaximumTransferSize;             /* 0x6c */
    ULONG CommonBufferSize;                /* 0x70 */
    PVOID TargetAddress;                   /* 0x78 */
} DUMP_INITIALIZATION_CONTEXT, *PDUMP_INITIALIZATION_CONTEXT;

/* entry.c: the adapter the dump stack described */
extern volatile ULONG DumpBusNumber;
extern volatile INTERFACE_TYPE DumpBusType;

/* dumpio.c */
BOOLEAN DumpOpen(LARGE_INTEGER PartitionOffset);
NTSTATUS DumpWrite(PLARGE_INTEGER DiskByteOffset, PMDL Mdl);
VOID DumpFinish(VOID);
