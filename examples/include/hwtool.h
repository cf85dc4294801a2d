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
#define IOCTL_HWTOOL_PEEK      CTL_CODE(FILE_DEVICE_HWTOOL, 0x805, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_POKE      CTL_CODE(FILE_DEVICE_HWTOOL, 0x806, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_INFO      CTL_CODE(FILE_DEVICE_HWTOOL, 0x807, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_MAP_MDL   CTL_CODE(FILE_DEVICE_HWTOOL, 0x808, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_SET_MSR   CTL_CODE(FILE_DEVICE_HWTOOL, 0x809, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_SET_CR0   CTL_CODE(FILE_DEVICE_HWTOOL, 0x80A, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_PORT_OUT  CTL_CODE(FILE_DEVICE_HWTOOL, 0x80B, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_QUERY     CTL_CODE(FILE_DEVICE_HWTOOL, 0x80C, METHOD_NEITHER, FILE_ANY_ACCESS)
#define IOCTL_HWTOOL_PTE_READ  CTL_CODE(FILE_DEVICE_HWTOOL, 0x7FF, METHOD_BUFFERED, FILE_ANY_ACCESS)

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

/* PEEK / POKE: a value at an address (the safe driver: an offset into its own scratch area).
   Requests without the magic are refused (it keeps other tools from sending them by mistake). */
#define HWTOOL_MAGIC 0x4C4D4B48
typedef struct _HWTOOL_MEM_REQUEST {
    ULONG64 Address;
    ULONG64 Value;
    ULONG   Magic;
    ULONG   Reserved;
} HWTOOL_MEM_REQUEST;

/* INFO: what the driver says about itself. */
typedef struct _HWTOOL_INFO {
    ULONG   Version;
    ULONG   Flags;
    ULONG64 Context;    /* the vulnerable driver puts its device object here */
} HWTOOL_INFO;

/* SET_MSR / SET_CR0 / PORT_OUT: a register and the value to write. */
typedef struct _HWTOOL_REG_REQUEST {
    ULONG   Register;   /* MSR index, unused, or I/O port */
    ULONG   Reserved;
    ULONG64 Value;
} HWTOOL_REG_REQUEST;

/* QUERY (METHOD_NEITHER): a selector in Type3InputBuffer, a ULONG answer in UserBuffer. */
typedef struct _HWTOOL_QUERY {
    ULONG Selector;
} HWTOOL_QUERY;
#pragma pack(pop)

#define HWTOOL_SCRATCH_SIZE 64
#define HWTOOL_PORT_LED 0x80   /* the POST-code port: the only port the safe driver writes */

#if defined(_M_AMD64) || defined(__x86_64__)
/* x64 page tables: the PTE of `va` through the self-map (MiGetPteAddress): the PML4's own virtual
   address (MmGetVirtualForPhysical of CR3) holds the self-map index in bits 12..20. */
#define HWTOOL_PTE_P  0x1ULL
#define HWTOOL_PTE_RW 0x2ULL
#define HWTOOL_PTE_XD 0x8000000000000000ULL
#define HWTOOL_PTE_PFN 0x000FFFFFFFFFF000ULL
static __inline volatile ULONG64 *HwPteOf(PVOID va)
{
    PHYSICAL_ADDRESS cr3;
    ULONG64 pml4, self;
    cr3.QuadPart = (LONGLONG)(__readcr3() & HWTOOL_PTE_PFN);
    pml4 = (ULONG64)MmGetVirtualForPhysical(cr3);
    if (pml4 == 0) return NULL;
    self = (pml4 >> 12) & 0x1FF;
    return (volatile ULONG64 *)((0xFFFF000000000000ULL | (self << 39)) + (((ULONG64)va >> 9) & 0x7FFFFFFFF8ULL));
}
#endif

NTSTATUS HwMapPhysical(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwReadPhysical(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwMapMdl(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwKillProcess(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwPeek(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwPoke(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwInfo(PIRP Irp, PIO_STACK_LOCATION Stack, PDEVICE_OBJECT DeviceObject);
NTSTATUS HwSetMsr(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwSetCr0(PIRP Irp, PIO_STACK_LOCATION Stack);
/* PTE_READ (HWTOOL_PHYS_REQUEST in, 8 bytes out): point the PTE of a page of the driver's own at a
   physical page, read 8 bytes through it, restore the PTE (the vulnerable driver: the caller's page;
   the safe one: the device's BAR page). */
NTSTATUS HwPteRead(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwPortOut(PIRP Irp, PIO_STACK_LOCATION Stack);
NTSTATUS HwQuery(PIRP Irp, PIO_STACK_LOCATION Stack);

#endif
