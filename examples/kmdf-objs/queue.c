/* kmdfobjs: the default queue; its IOCTLs reach the request's buffers as WDFMEMORY, MDLs and user pointers. */
#include "kmdfobjs.h"

static NTSTATUS Sum(WDFREQUEST Request, size_t *info)
{
    WDFMEMORY in, again, out;
    PUCHAR bytes;
    size_t length, i;
    ULONG sum = 0;
    NTSTATUS status = WdfRequestRetrieveInputMemory(Request, &in);
    if (!NT_SUCCESS(status)) return status;
    /* The request's input WDFMEMORY is one object for the request's life. */
    status = WdfRequestRetrieveInputMemory(Request, &again);
    if (!NT_SUCCESS(status) || again != in) return STATUS_INTERNAL_ERROR;
    bytes = (PUCHAR)WdfMemoryGetBuffer(in, &length);
    for (i = 0; i < length; i++) sum += bytes[i];
    status = WdfRequestRetrieveOutputMemory(Request, &out);
    if (!NT_SUCCESS(status)) return status;
    status = WdfMemoryCopyFromBuffer(out, 0, &sum, sizeof(sum));
    if (NT_SUCCESS(status)) *info = sizeof(sum);
    return status;
}

static NTSTATUS Invert(WDFREQUEST Request, size_t *info)
{
    WDFMEMORY in, out;
    size_t length, i;
    UCHAR b;
    NTSTATUS status = WdfRequestRetrieveInputMemory(Request, &in);
    if (!NT_SUCCESS(status)) return status;
    status = WdfRequestRetrieveOutputMemory(Request, &out);
    if (!NT_SUCCESS(status)) return status;
    WdfMemoryGetBuffer(in, &length);
    for (i = 0; i < length; i++) {
        status = WdfMemoryCopyToBuffer(in, i, &b, 1);
        if (!NT_SUCCESS(status)) return status;
        b ^= 0xff;
        status = WdfMemoryCopyFromBuffer(out, i, &b, 1);
        if (!NT_SUCCESS(status)) return status; /* an output shorter than the input: STATUS_INVALID_BUFFER_SIZE */
    }
    *info = length;
    return STATUS_SUCCESS;
}

/* METHOD_OUT_DIRECT: the output MDL is Irp->MdlAddress, the buffered input's MDL one the framework builds. */
static NTSTATUS Mdls(WDFREQUEST Request, size_t *info)
{
    PMDL out, in;
    PULONG p;
    NTSTATUS status = WdfRequestRetrieveOutputWdmMdl(Request, &out);
    if (!NT_SUCCESS(status)) return status;
    status = WdfRequestRetrieveInputWdmMdl(Request, &in);
    if (!NT_SUCCESS(status)) return status;
    if (MmGetMdlByteCount(out) < 10) return STATUS_BUFFER_TOO_SMALL;
    p = (PULONG)MmGetSystemAddressForMdlSafe(out, NormalPagePriority);
    if (p == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    p[0] = MmGetMdlByteCount(out);
    p[1] = MmGetMdlByteCount(in);
    ((PUCHAR)p)[8] = 'O';
    ((PUCHAR)p)[9] = 'K';
    *info = 10;
    return STATUS_SUCCESS;
}

/* METHOD_NEITHER: the raw user pointers, then probed and locked into WDFMEMORY objects. */
static NTSTATUS Neither(WDFREQUEST Request, size_t *info)
{
    PUCHAR ib, ob, src, dst;
    size_t il, ol, i;
    WDFMEMORY im, om;
    UCHAR b = 0;
    NTSTATUS status = WdfRequestRetrieveUnsafeUserInputBuffer(Request, 1, (PVOID *)&ib, &il);
    if (!NT_SUCCESS(status)) return status;
    status = WdfRequestRetrieveUnsafeUserOutputBuffer(Request, il, (PVOID *)&ob, &ol);
    if (!NT_SUCCESS(status)) return status;
    status = WdfRequestProbeAndLockUserBufferForRead(Request, ib, il, &im);
    if (!NT_SUCCESS(status)) return status;
    status = WdfRequestProbeAndLockUserBufferForWrite(Request, ob, ol, &om);
    if (!NT_SUCCESS(status)) return status;
    /* A buffer locked for read is read-only to the framework's copy routines. */
    if (WdfMemoryCopyFromBuffer(im, 0, &b, 1) != STATUS_ACCESS_VIOLATION) return STATUS_INTERNAL_ERROR;
    src = (PUCHAR)WdfMemoryGetBuffer(im, NULL);
    dst = (PUCHAR)WdfMemoryGetBuffer(om, NULL);
    for (i = 0; i < il; i++) dst[i] = src[il - 1 - i];
    *info = il;
    return STATUS_SUCCESS;
}

/* The statuses the retrieve DDIs give for this METHOD_BUFFERED request with no input. */
static NTSTATUS Statuses(WDFREQUEST Request, size_t *info)
{
    NTSTATUS *out;
    size_t ol;
    WDFMEMORY m;
    PVOID p;
    size_t l;
    NTSTATUS status = WdfRequestRetrieveOutputBuffer(Request, 4 * sizeof(NTSTATUS), (PVOID *)&out, &ol);
    if (!NT_SUCCESS(status)) return status;
    out[0] = WdfRequestRetrieveInputMemory(Request, &m);                       /* no input: STATUS_BUFFER_TOO_SMALL */
    out[1] = WdfRequestRetrieveUnsafeUserInputBuffer(Request, 0, &p, &l);      /* not METHOD_NEITHER: STATUS_INVALID_DEVICE_REQUEST */
    out[2] = WdfRequestProbeAndLockUserBufferForRead(Request, out, 0, &m);      /* length 0: STATUS_INVALID_USER_BUFFER */
    out[3] = WdfRequestProbeAndLockUserBufferForRead(Request, out, 4, &m);      /* a kernel address: STATUS_ACCESS_VIOLATION */
    *info = 4 * sizeof(NTSTATUS);
    return STATUS_SUCCESS;
}

static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL KmdfObjsEvtIoDeviceControl;
static VOID KmdfObjsEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode)
{
    size_t info = 0;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Queue);
    UNREFERENCED_PARAMETER(OutputBufferLength);
    if (IoControlCode == IOCTL_KMDFOBJS_SETINFO) {
        WdfRequestSetInformation(Request, InputBufferLength);
        WdfRequestComplete(Request, STATUS_SUCCESS);
        return;
    }
    switch (IoControlCode) {
    case IOCTL_KMDFOBJS_SUM: status = Sum(Request, &info); break;
    case IOCTL_KMDFOBJS_INVERT: status = Invert(Request, &info); break;
    case IOCTL_KMDFOBJS_MDLS: status = Mdls(Request, &info); break;
    case IOCTL_KMDFOBJS_NEITHER: status = Neither(Request, &info); break;
    case IOCTL_KMDFOBJS_STATUSES: status = Statuses(Request, &info); break;
    default: status = STATUS_INVALID_DEVICE_REQUEST; break;
    }
    WdfRequestCompleteWithInformation(Request, status, info);
}

NTSTATUS KmdfObjsCreateQueue(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.EvtIoDeviceControl = KmdfObjsEvtIoDeviceControl;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
}
