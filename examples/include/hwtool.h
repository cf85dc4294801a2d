/*
 * hwtool.h — the interface of the "HwTool" hardware utility drivers (examples/surface-vuln and
 * examples/surface-safe): one device, \Device\HwTool, reachable from user mode as \\.\HwTool.
 */
#ifndef HWTOOL_H
#define HWTOOL_H

#define FILE_DEVICE_HWTOOL 0x8000

#define IOCTL_HWTOOL_VERSION   CTL_CODE(FILE_DEVICE_HWTOOL, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_MAP_PHYS  CTL_CODE(FILE_DEVICE_HWTOOL, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_READ_PHYS CTL_CODE(FILE_DEVICE_HWTOOL, 0x802, METHOD_BUFFERED, FILE_READ_ACCESS)
#define IOCTL_HWTOOL_KILL      CTL_CODE(FILE_DEVICE_HWTOOL, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_SPIN      CTL_CODE(FILE_DEVICE_HWTOOL, 0x804, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* The device's register window (the only physical range the safe driver maps). */
#define HWTOOL_BAR_BASE 0xFEBC0000ULL
#define HWTOOL_BAR_SIZE 0x1000

#pragma pack(push, 1)
typedef struct _HWTOOL_PHYS_REQUEST {
    ULONG64 Address;   /* physical address */
    ULONG   Length;    /* bytes to map / read */
    ULONG   Reserved;
} HWTOOL_PHYS_REQUEST;

typedef struct _HWTOOL_KILL_REQUEST {
    ULONG64 ProcessId;
} HWTOOL_KILL_REQUEST;
#pragma pack(pop)

NTSTATUS HwMapPhysical(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwReadPhysical(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwKillProcess(PIRP Irp, PIO_STACK_LOCATION Stack);

#endif
