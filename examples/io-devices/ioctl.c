/*
 * ioctl.c — IRP_MJ_DEVICE_CONTROL: one IOCTL per transfer method, each reaching the caller's
 * buffers the way that method requires.
 */
#include "kio.h"

/* METHOD_BUFFERED: input and output share Irp->AssociatedIrp.SystemBuffer. */
static NTSTATUS Reverse(PIRP Irp, PIO_STACK_LOCATION sp)
{
    ULONG in = sp->Parameters.DeviceIoControl.InputBufferLength;
    ULONG out = sp->Parameters.DeviceIoControl.OutputBufferLength;
    PUCHAR buf = (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
    ULONG i;

    if (out < in)
        return KioComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    for (i = 0; i < in / 2; i++) {
        UCHAR t = buf[i];
        buf[i] = buf[in - 1 - i];
        buf[in - 1 - i] = t;
    }
    for (i = 0; i < in; i++)
        buf[i] ^= 0x5A;
    return KioComplete(Irp, STATUS_SUCCESS, in);
}

/* METHOD_IN_DIRECT: the key in the system buffer, the data behind Irp->MdlAddress. */
static NTSTATUS Count(PIRP Irp, PIO_STACK_LOCATION sp)
{
    ULONG len = sp->Parameters.DeviceIoControl.OutputBufferLength;
    PUCHAR data;
    UCHAR key;
    ULONG i, n = 0;

    if (sp->Parameters.DeviceIoControl.InputBufferLength < 1 || Irp->MdlAddress == NULL)
        return KioComplete(Irp, STATUS_INVALID_PARAMETER, 0);
    if (MmGetMdlByteCount(Irp->MdlAddress) != len)
        return KioComplete(Irp, STATUS_UNSUCCESSFUL, 0);
    key = *(PUCHAR)Irp->AssociatedIrp.SystemBuffer;
    data = (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
    if (data == NULL)
        return KioComplete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    for (i = 0; i < len; i++)
        if (data[i] == key)
            n++;
    return KioComplete(Irp, STATUS_SUCCESS, n);
}

/* METHOD_OUT_DIRECT: the driver writes the caller's pages through a system mapping of the MDL. */
static NTSTATUS Fill(PIRP Irp, PIO_STACK_LOCATION sp)
{
    ULONG len = sp->Parameters.DeviceIoControl.OutputBufferLength;
    PUCHAR data;
    UCHAR seed;
    ULONG i;

    if (sp->Parameters.DeviceIoControl.InputBufferLength < 1 || Irp->MdlAddress == NULL)
        return KioComplete(Irp, STATUS_INVALID_PARAMETER, 0);
    seed = *(PUCHAR)Irp->AssociatedIrp.SystemBuffer;
    data = (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
    if (data == NULL)
        return KioComplete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    for (i = 0; i < len; i++)
        data[i] = (UCHAR)(seed + 7 * i);
    return KioComplete(Irp, STATUS_SUCCESS, len);
}

/* METHOD_NEITHER: raw user pointers, valid only in the caller's context and only after probing. */
static NTSTATUS Increment(PIRP Irp, PIO_STACK_LOCATION sp)
{
    ULONG in = sp->Parameters.DeviceIoControl.InputBufferLength;
    ULONG out = sp->Parameters.DeviceIoControl.OutputBufferLength;
    PUCHAR src = (PUCHAR)sp->Parameters.DeviceIoControl.Type3InputBuffer;
    PUCHAR dst = (PUCHAR)Irp->UserBuffer;
    NTSTATUS status = STATUS_SUCCESS;
    ULONG i;

    if (Irp->RequestorMode != UserMode)
        return KioComplete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    __try {
        ProbeForRead(src, in, 1);
        /* Probe what will be written: the input's length, not the output's (a short output buffer raises). */
        ProbeForWrite(dst, in, 1);
        for (i = 0; i < in; i++)
            dst[i] = (UCHAR)(src[i] + 1);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    UNREFERENCED_PARAMETER(out);
    return KioComplete(Irp, status, NT_SUCCESS(status) ? in : 0);
}

/* STATUS_BUFFER_OVERFLOW is a warning: the I/O manager still copies Information bytes back. */
static NTSTATUS Overflow(PIRP Irp, PIO_STACK_LOCATION sp)
{
    ULONG out = sp->Parameters.DeviceIoControl.OutputBufferLength;
    PUCHAR buf = (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
    ULONG i;

    if (out >= 8) {
        for (i = 0; i < 8; i++)
            buf[i] = (UCHAR)(0xA0 + i);
        return KioComplete(Irp, STATUS_SUCCESS, 8);
    }
    for (i = 0; i < out; i++)
        buf[i] = (UCHAR)(0xA0 + i);
    return KioComplete(Irp, STATUS_BUFFER_OVERFLOW, out);
}

static NTSTATUS Mode(PDEVICE_OBJECT DeviceObject, PIRP Irp, PIO_STACK_LOCATION sp)
{
    PKIO_DEVICE dx = (PKIO_DEVICE)DeviceObject->DeviceExtension;
    KIO_MODE *m = (KIO_MODE *)Irp->AssociatedIrp.SystemBuffer;

    if (sp->Parameters.DeviceIoControl.OutputBufferLength < sizeof(KIO_MODE))
        return KioComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    m->RequestorMode = (UCHAR)Irp->RequestorMode;
    m->PreviousMode = (UCHAR)ExGetPreviousMode();
    m->FileNameLength = dx->LastFileNameLength;
    m->DesiredAccess = dx->LastDesiredAccess;
    m->Opens = dx->Opens;
    m->Cleanups = dx->Cleanups;
    return KioComplete(Irp, STATUS_SUCCESS, sizeof(KIO_MODE));
}

/* Completes the pended request (DISPATCH_LEVEL, from the timer's DPC). */
VOID KioTimerDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PKIO_DEVICE dx = (PKIO_DEVICE)Context;
    PIRP irp = dx->Pending;
    PUCHAR buf;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    dx->Pending = NULL;
    if (irp == NULL)
        return;
    buf = (PUCHAR)irp->AssociatedIrp.SystemBuffer;
    buf[0] = (UCHAR)(buf[0] + 1);
    KioComplete(irp, STATUS_SUCCESS, 1);
}

/* Pend the request; the timer's DPC completes it 10 ms later. */
static NTSTATUS Pend(PDEVICE_OBJECT DeviceObject, PIRP Irp, PIO_STACK_LOCATION sp)
{
    PKIO_DEVICE dx = (PKIO_DEVICE)DeviceObject->DeviceExtension;
    LARGE_INTEGER due;

    if (sp->Parameters.DeviceIoControl.InputBufferLength < 1 || sp->Parameters.DeviceIoControl.OutputBufferLength < 1)
        return KioComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    if (dx->Pending != NULL)
        return KioComplete(Irp, STATUS_DEVICE_BUSY, 0);
    dx->Pending = Irp;
    IoMarkIrpPending(Irp);
    KeInitializeTimer(&dx->Timer);
    KeInitializeDpc(&dx->Dpc, KioTimerDpc, dx);
    due.QuadPart = -10 * 1000 * 10;
    KeSetTimer(&dx->Timer, due, &dx->Dpc);
    return STATUS_PENDING;
}

NTSTATUS KioDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);

    switch (sp->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_KIO_REVERSE:
        return Reverse(Irp, sp);
    case IOCTL_KIO_COUNT:
        return Count(Irp, sp);
    case IOCTL_KIO_FILL:
        return Fill(Irp, sp);
    case IOCTL_KIO_INCREMENT:
        return Increment(Irp, sp);
    case IOCTL_KIO_OVERFLOW:
        return Overflow(Irp, sp);
    case IOCTL_KIO_MODE:
        return Mode(DeviceObject, Irp, sp);
    case IOCTL_KIO_PENDING:
        return Pend(DeviceObject, Irp, sp);
    default:
        return KioComplete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}
