/*
 * cpu.c — processor requests of HwTool: SET_MSR installs the caller's value as the system-call
 * entry point (IA32_LSTAR), SET_CR0 loads the caller's CR0 (write protection off on request),
 * PORT_OUT writes a byte to any I/O port, PTE_READ points a page-table entry at the caller's
 * physical page.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

#define IA32_LSTAR 0xC0000082

NTSTATUS HwSetMsr(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_REG_REQUEST *req = (HWTOOL_REG_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_REG_REQUEST))
        return STATUS_INVALID_PARAMETER;
    __writemsr(IA32_LSTAR, req->Value);
    Irp->IoStatus.Information = 0;
    return STATUS_SUCCESS;
}

NTSTATUS HwSetCr0(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_REG_REQUEST *req = (HWTOOL_REG_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_REG_REQUEST))
        return STATUS_INVALID_PARAMETER;
    __writecr0(req->Value);
    Irp->IoStatus.Information = 0;
    return STATUS_SUCCESS;
}

NTSTATUS HwPortOut(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_REG_REQUEST *req = (HWTOOL_REG_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_REG_REQUEST))
        return STATUS_INVALID_PARAMETER;
    WRITE_PORT_UCHAR((PUCHAR)(ULONG_PTR)(USHORT)req->Register, (UCHAR)req->Value);
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

NTSTATUS HwPteRead(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_PHYS_REQUEST *req = (HWTOOL_PHYS_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_PHYS_REQUEST))
        return STATUS_INVALID_PARAMETER;
    return PteRead(Irp, Stack, req->Address);
}
