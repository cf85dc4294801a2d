/*
 * cpu.c — processor requests of the safe HwTool: SET_MSR selects one of four fixed performance
 * states (IA32_PERF_CTL values from a table, never the caller's number), SET_CR0 only toggles
 * cache-disable on the current CR0, PORT_OUT writes the POST-code port and no other, PTE_READ
 * points its page-table entry at the device's BAR page only.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

#define IA32_PERF_CTL 0x199
#define CR0_CD (1ULL << 30)

static const ULONG64 PerfStates[4] = {0x0800, 0x0c00, 0x1000, 0x1400};

NTSTATUS HwSetMsr(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_REG_REQUEST *req = (HWTOOL_REG_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_REG_REQUEST) || req->Value >= 4)
        return STATUS_INVALID_PARAMETER;
    __writemsr(IA32_PERF_CTL, PerfStates[req->Value]);
    Irp->IoStatus.Information = 0;
    return STATUS_SUCCESS;
}

NTSTATUS HwSetCr0(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_REG_REQUEST *req = (HWTOOL_REG_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    ULONG64 cr0;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_REG_REQUEST))
        return STATUS_INVALID_PARAMETER;
    cr0 = __readcr0();
    cr0 = req->Value ? (cr0 | CR0_CD) : (cr0 & ~CR0_CD);
    __writecr0(cr0);
    Irp->IoStatus.Information = 0;
    return STATUS_SUCCESS;
}

NTSTATUS HwPortOut(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_REG_REQUEST *req = (HWTOOL_REG_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_REG_REQUEST) || req->Register != HWTOOL_PORT_LED)
        return STATUS_INVALID_PARAMETER;
    WRITE_PORT_UCHAR((PUCHAR)(ULONG_PTR)HWTOOL_PORT_LED, (UCHAR)req->Value);
    Irp->IoStatus.Information = 0;
    return STATUS_SUCCESS;
}

/* Shared by both drivers' PTE_READ: `frame` into the PTE of a page of their own, 8 bytes read. */
static NTSTATUS PteRead(PIRP Irp, PIO_STACK_LOCATION Stack, ULONG64 frame)
{
    UCHAR *window;
    volatile ULONG64 *pte;
    ULONG64 old;

    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG64))
        return STATUS_BUFFER_TOO_SMALL;
    window = (UCHAR *)MmAllocateNonCachedMemory(PAGE_SIZE);
    if (!window) return STATUS_INSUFFICIENT_RESOURCES;
    pte = HwPteOf(window);
    if (!pte) {
        MmFreeNonCachedMemory(window, PAGE_SIZE);
        return STATUS_UNSUCCESSFUL;
    }
    old = *pte;
    *pte = (frame & HWTOOL_PTE_PFN) | HWTOOL_PTE_P | HWTOOL_PTE_RW | HWTOOL_PTE_XD;
    __invlpg(window);
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, window, sizeof(ULONG64));
    *pte = old;
    __invlpg(window);
    MmFreeNonCachedMemory(window, PAGE_SIZE);
    Irp->IoStatus.Information = sizeof(ULONG64);
    return STATUS_SUCCESS;
}

/* The device's BAR page only, whatever the request says. */
NTSTATUS HwPteRead(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    return PteRead(Irp, Stack, HWTOOL_BAR_BASE);
}
