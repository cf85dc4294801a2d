/*
 * memory.c — the "debug" requests of HwTool: PEEK reads eight bytes at any address the caller
 * names, POKE writes eight bytes there, INFO describes the driver (with its device object's
 * address in Context), and QUERY (METHOD_NEITHER) answers a selector, reading and writing the
 * caller's raw buffers without probing them.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

NTSTATUS HwPeek(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_MEM_REQUEST *req = (HWTOOL_MEM_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_MEM_REQUEST) ||
        Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(HWTOOL_MEM_REQUEST) || req->Magic != HWTOOL_MAGIC)
        return STATUS_INVALID_PARAMETER;
    req->Value = *(volatile ULONG64 *)(ULONG_PTR)req->Address;
    Irp->IoStatus.Information = sizeof(HWTOOL_MEM_REQUEST);
    return STATUS_SUCCESS;
}

NTSTATUS HwPoke(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_MEM_REQUEST *req = (HWTOOL_MEM_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_MEM_REQUEST) || req->Magic != HWTOOL_MAGIC)
        return STATUS_INVALID_PARAMETER;
    *(volatile ULONG64 *)(ULONG_PTR)req->Address = req->Value;
    Irp->IoStatus.Information = 0;
    return STATUS_SUCCESS;
}

NTSTATUS HwInfo(PIRP Irp, PIO_STACK_LOCATION Stack, PDEVICE_OBJECT DeviceObject)
{
    HWTOOL_INFO *info = (HWTOOL_INFO *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(HWTOOL_INFO))
        return STATUS_BUFFER_TOO_SMALL;
    info->Version = 0x00010002;
    info->Flags = 1;
    info->Context = (ULONG64)(ULONG_PTR)DeviceObject;
    Irp->IoStatus.Information = sizeof(HWTOOL_INFO);
    return STATUS_SUCCESS;
}

NTSTATUS HwQuery(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_QUERY *q = (HWTOOL_QUERY *)Stack->Parameters.DeviceIoControl.Type3InputBuffer;
    PULONG answer = (PULONG)Irp->UserBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_QUERY) ||
        Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG))
        return STATUS_INVALID_PARAMETER;
    switch (q->Selector) {
    case 1:
        *answer = 0x00010002;
        break;
    case 2:
        *answer = HWTOOL_SCRATCH_SIZE;
        break;
    default:
        return STATUS_INVALID_PARAMETER;
    }
    Irp->IoStatus.Information = sizeof(ULONG);
    return STATUS_SUCCESS;
}
