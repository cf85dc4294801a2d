/*
 * cpu.c — processor requests of HwTool: SET_MSR installs the caller's value as the system-call
 * entry point (IA32_LSTAR), SET_CR0 loads the caller's CR0 (write protection off on request),
 * PORT_OUT writes a byte to any I/O port.
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
