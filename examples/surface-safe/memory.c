/*
 * memory.c — the "debug" requests of the safe HwTool: PEEK and POKE take an offset into the
 * driver's own scratch area (bounds-checked), INFO returns no pointer, and QUERY probes its
 * METHOD_NEITHER buffers inside __try before it touches them.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

static ULONG64 g_Scratch[HWTOOL_SCRATCH_SIZE / sizeof(ULONG64)];

static BOOLEAN ScratchSlot(ULONG64 offset, ULONG64 **slot)
{
    if (offset >= HWTOOL_SCRATCH_SIZE || (offset % sizeof(ULONG64)) != 0)
        return FALSE;
    *slot = &g_Scratch[offset / sizeof(ULONG64)];
    return TRUE;
}

NTSTATUS HwPeek(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_MEM_REQUEST *req = (HWTOOL_MEM_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    ULONG64 *slot;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_MEM_REQUEST) ||
        Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(HWTOOL_MEM_REQUEST) || req->Magic != HWTOOL_MAGIC ||
        !ScratchSlot(req->Address, &slot))
        return STATUS_INVALID_PARAMETER;
    req->Value = *slot;
    Irp->IoStatus.Information = sizeof(HWTOOL_MEM_REQUEST);
    return STATUS_SUCCESS;
}

NTSTATUS HwPoke(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_MEM_REQUEST *req = (HWTOOL_MEM_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    ULONG64 *slot;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_MEM_REQUEST) || req->Magic != HWTOOL_MAGIC || !ScratchSlot(req->Address, &slot))
        return STATUS_INVALID_PARAMETER;
    *slot = req->Value;
    Irp->IoStatus.Information = 0;
    return STATUS_SUCCESS;
}

NTSTATUS HwInfo(PIRP Irp, PIO_STACK_LOCATION Stack, PDEVICE_OBJECT DeviceObject)
{
    HWTOOL_INFO *info = (HWTOOL_INFO *)Irp->AssociatedIrp.SystemBuffer;

    UNREFERENCED_PARAMETER(DeviceObject);
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(HWTOOL_INFO))
        return STATUS_BUFFER_TOO_SMALL;
    info->Version = 0x00010002;
    info->Flags = 1;
    info->Context = 0;
    Irp->IoStatus.Information = sizeof(HWTOOL_INFO);
    return STATUS_SUCCESS;
}

NTSTATUS HwQuery(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    PVOID in = Stack->Parameters.DeviceIoControl.Type3InputBuffer;
    PVOID out = Irp->UserBuffer;
    ULONG selector, answer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_QUERY) ||
        Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG))
        return STATUS_INVALID_PARAMETER;
    __try {
        ProbeForRead(in, sizeof(HWTOOL_QUERY), sizeof(ULONG));
        selector = ((volatile HWTOOL_QUERY *)in)->Selector;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        return GetExceptionCode();
    }
    if (selector == 1)
        answer = 0x00010002;
    else if (selector == 2)
        answer = HWTOOL_SCRATCH_SIZE;
    else
        return STATUS_INVALID_PARAMETER;
    __try {
        ProbeForWrite(out, sizeof(ULONG), sizeof(ULONG));
        *(volatile ULONG *)out = answer;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        return GetExceptionCode();
    }
    Irp->IoStatus.Information = sizeof(ULONG);
    return STATUS_SUCCESS;
}
