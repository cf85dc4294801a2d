/* kmdfpnp: reusing requests (WdfRequestReuse) and formatting created requests for reads and writes
   (WdfIoTargetFormatRequestForRead / ForWrite), checked against both devices' default queues. */
#include "pnpdrv.h"

#define IOCTL_KMDFPNP_DOUBLE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define STATUS_WDF_REQUEST_INVALID_STATE ((NTSTATUS)0xC0200208L)

/* The device offset of the last read the second device's queue answered. */
static LONGLONG ReadOffsetSeen = -1;

/* EvtIoRead of the default queues (the first device dispatches its reads to its manual queue, so the
   second device's reads come here): Length bytes 0xA0, 0xA1, ..., Information Length. */
VOID NTAPI KmdfPnpRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    PUCHAR out;
    size_t i;
    UNREFERENCED_PARAMETER(Queue);
    ReadOffsetSeen = IoGetCurrentIrpStackLocation(WdfRequestWdmGetIrp(Request))->Parameters.Read.ByteOffset.QuadPart;
    if (!NT_SUCCESS(WdfRequestRetrieveOutputBuffer(Request, Length, (PVOID *)&out, NULL))) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    for (i = 0; i < Length; i++) out[i] = (UCHAR)(0xA0 + i);
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, Length);
}

/* EvtIoWrite: taken whole (Information = Length). A request the framework delivered can be reused
   (its IRP's status changes) but cannot take another IRP; a failed check fails the write. */
VOID NTAPI KmdfPnpWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WDF_REQUEST_REUSE_PARAMS reuse;
    NTSTATUS status = STATUS_SUCCESS;
    UNREFERENCED_PARAMETER(Queue);
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_TIMEOUT);
    WDF_REQUEST_REUSE_PARAMS_SET_NEW_IRP(&reuse, WdfRequestWdmGetIrp(Request));
    if (WdfRequestReuse(Request, &reuse) != STATUS_WDF_REQUEST_INVALID_STATE) status = STATUS_INTERNAL_ERROR;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_TIMEOUT);
    if (WdfRequestReuse(Request, &reuse) != STATUS_SUCCESS || WdfRequestWdmGetIrp(Request)->IoStatus.Status != STATUS_TIMEOUT || WdfRequestGetStatus(Request) != STATUS_TIMEOUT)
        status = STATUS_INTERNAL_ERROR;
    WdfRequestCompleteWithInformation(Request, status, NT_SUCCESS(status) ? Length : 0);
}

/* WdfRequestReuse of a created request that came back from the first device (IOCTL_KMDFPNP_DOUBLE,
   21 in, 42 out): bad parameters change nothing; a reuse sets the new status, drops the completion
   routine and the format; formatted again it is sent again; with a new IRP the framework's goes and
   the driver's stays the driver's. The request is deleted here. */
ULONG KmdfPnpCheckReuse(WDFIOTARGET Remote, WDFREQUEST Request, WDFMEMORY In, WDFMEMORY Out, PULONG Result, PULONG Called)
{
    WDF_REQUEST_REUSE_PARAMS reuse;
    PIRP irp;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_UNSUCCESSFUL);
    reuse.Size = 8; /* the first two fields only */
    if (WdfRequestReuse(Request, &reuse) != STATUS_INVALID_PARAMETER) return 60;
    reuse.Size = sizeof(reuse);
    reuse.Flags = 0x100;
    if (WdfRequestReuse(Request, &reuse) != STATUS_INVALID_PARAMETER) return 61;
    reuse.Flags = WDF_REQUEST_REUSE_SET_NEW_IRP; /* NewIrp NULL */
    if (WdfRequestReuse(Request, &reuse) != STATUS_INVALID_PARAMETER) return 62;
    if (WdfRequestGetStatus(Request) != STATUS_SUCCESS) return 63;
    reuse.Flags = WDF_REQUEST_REUSE_NO_FLAGS;
    if (WdfRequestReuse(Request, &reuse) != STATUS_SUCCESS) return 64;
    irp = WdfRequestWdmGetIrp(Request);
    if (WdfRequestGetStatus(Request) != STATUS_UNSUCCESSFUL || irp->IoStatus.Status != STATUS_UNSUCCESSFUL || irp->CurrentLocation != irp->StackCount + 1 || irp->Cancel) return 65;
    /* Formatted and sent again: the answer comes back, the completion routine went with the reuse. */
    *Result = 0;
    *Called = 99;
    if (WdfIoTargetFormatRequestForIoctl(Remote, Request, IOCTL_KMDFPNP_DOUBLE, In, NULL, Out, NULL) != STATUS_SUCCESS) return 66;
    if (!WdfRequestSend(Request, Remote, NULL) || *Called != 99 || *Result != 42 || WdfRequestGetStatus(Request) != STATUS_SUCCESS) return 67;
    /* An IRP of the driver's: the request holds it; deleting the request leaves it to the driver. */
    irp = IoAllocateIrp(WdfRequestWdmGetIrp(Request)->StackCount, FALSE);
    if (irp == NULL) return 68;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    WDF_REQUEST_REUSE_PARAMS_SET_NEW_IRP(&reuse, irp);
    if (WdfRequestReuse(Request, &reuse) != STATUS_SUCCESS || WdfRequestWdmGetIrp(Request) != irp) return 69;
    WdfObjectDelete(Request);
    IoFreeIrp(irp);
    return 0;
}

static ULONG ReadCheck = 99;

/* The read's completion: the parameters of the format call and the target's answer; the request is
   reused right here, as Learn's example does. */
static VOID NTAPI KmdfPnpReadDone(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_COMPLETION_PARAMS Params, PVOID Context)
{
    WDF_REQUEST_REUSE_PARAMS reuse;
    UNREFERENCED_PARAMETER(Target);
    ReadCheck = 0;
    if (Params->Type != WdfRequestTypeRead || Params->IoStatus.Status != STATUS_SUCCESS || Params->IoStatus.Information != 4) ReadCheck = 1;
    else if (Params->Parameters.Read.Buffer != (WDFMEMORY)Context || Params->Parameters.Read.Length != 4 || Params->Parameters.Read.Offset != 2) ReadCheck = 2;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    if (ReadCheck == 0 && WdfRequestReuse(Request, &reuse) != STATUS_SUCCESS) ReadCheck = 3;
}

/* WdfIoTargetFormatRequestForRead to the second device's own stack (its queue's KmdfPnpRead), a
   4-byte window at offset 2 of an 8-byte memory, device offset 0x10; then the same window written to
   the first device (ForWrite, synchronously); a window past the memory, a closed target. */
ULONG KmdfPnpCheckReadWrite(WDFDEVICE Device, WDFIOTARGET Remote)
{
    WDFIOTARGET self;
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_COMPLETION_PARAMS params;
    WDFREQUEST request;
    WDFMEMORY memory;
    PUCHAR data;
    WDFMEMORY_OFFSET window = { 2, 4 }, outside = { 6, 4 };
    LONGLONG offset = 0x10;
    PDEVICE_OBJECT top;
    if (WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, 8, &memory, (PVOID *)&data) != STATUS_SUCCESS) return 70;
    if (WdfIoTargetCreate(Device, WDF_NO_OBJECT_ATTRIBUTES, &self) != STATUS_SUCCESS) return 71;
    top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
    RtlZeroMemory(&open, sizeof(open));
    open.Size = sizeof(open);
    open.Type = WdfIoTargetOpenUseExistingDevice;
    open.TargetDeviceObject = top;
    if (WdfIoTargetOpen(self, &open) != STATUS_SUCCESS) return 72;
    if (WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, self, &request) != STATUS_SUCCESS) return 73;
    if (WdfIoTargetFormatRequestForRead(self, request, memory, &outside, &offset) != STATUS_INVALID_PARAMETER) return 74;
    RtlFillMemory(data, 8, 0x11);
    if (WdfIoTargetFormatRequestForRead(self, request, memory, &window, &offset) != STATUS_SUCCESS) return 75;
    WdfRequestSetCompletionRoutine(request, KmdfPnpReadDone, memory);
    if (!WdfRequestSend(request, self, NULL)) return 76;
    if (ReadCheck != 0) return 76 + ReadCheck;
    if (ReadOffsetSeen != 0x10 || data[1] != 0x11 || data[2] != 0xA0 || data[5] != 0xA3 || data[6] != 0x11) return 80;
    /* Reused in KmdfPnpReadDone: now a write of the window to the first device, which takes it whole. */
    if (WdfIoTargetFormatRequestForWrite(Remote, request, memory, &window, NULL) != STATUS_SUCCESS) return 81;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    if (!WdfRequestSend(request, Remote, &options) || WdfRequestGetStatus(request) != STATUS_SUCCESS) return 82;
    RtlZeroMemory(&params, sizeof(params));
    WdfRequestGetCompletionParams(request, &params);
    if (params.Type != WdfRequestTypeWrite || params.IoStatus.Information != 4 || params.Parameters.Write.Buffer != memory || params.Parameters.Write.Length != 4 || params.Parameters.Write.Offset != 2) return 83;
    WdfIoTargetClose(self);
    if (WdfIoTargetFormatRequestForRead(self, request, memory, NULL, NULL) != STATUS_INVALID_DEVICE_STATE) return 84;
    WdfObjectDelete(request);
    WdfObjectDelete(self);
    ObDereferenceObject(top);
    WdfObjectDelete(memory);
    return 0;
}

/* A NULL ReuseParams: a WDF_VIOLATION. */
VOID NTAPI BadReuseNull(VOID)
{
    WDFREQUEST request;
    if (WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, NULL, &request) == STATUS_SUCCESS) WdfRequestReuse(request, NULL);
}

/* Sent to the first device, which parks it in its manual queue, and reused while it is there: the
   framework's verifier breaks in (kmdll: a verifier finding). */
VOID NTAPI BadReuseOutstanding(VOID)
{
    WDFIOTARGET Remote = KmdfPnpRemoteTarget();
    WDFREQUEST request;
    WDF_REQUEST_REUSE_PARAMS reuse;
    if (WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, Remote, &request) != STATUS_SUCCESS) return;
    if (WdfIoTargetFormatRequestForIoctl(Remote, request, IOCTL_KMDFPNP_DOUBLE + 16, NULL, NULL, NULL, NULL) != STATUS_SUCCESS) return;
    if (!WdfRequestSend(request, Remote, NULL)) return;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    DbgPrint("kmdfpnp: reuse of a sent request %08lx\n", WdfRequestReuse(request, &reuse));
}

/* Sent, back, reused, then sent without a new format: kmdll reports it does not model that send. */
VOID NTAPI BadReuseSendUnformatted(VOID)
{
    WDFIOTARGET Remote = KmdfPnpRemoteTarget();
    WDFREQUEST request;
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_SEND_OPTIONS options;
    if (WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, Remote, &request) != STATUS_SUCCESS) return;
    if (WdfIoTargetFormatRequestForIoctl(Remote, request, IOCTL_KMDFPNP_DOUBLE + 4, NULL, NULL, NULL, NULL) != STATUS_SUCCESS) return;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    if (!WdfRequestSend(request, Remote, &options)) return;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    if (WdfRequestReuse(request, &reuse) != STATUS_SUCCESS) return;
    WdfRequestSend(request, Remote, &options);
}
