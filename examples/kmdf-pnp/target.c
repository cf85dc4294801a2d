/* kmdfpnp: a default queue answering IOCTL_KMDFPNP_DOUBLE, and remote I/O targets
   (WdfIoTargetCreate/Open/Close, WdfIoTargetSendIoctlSynchronously) checked against it. */
#include "pnpdrv.h"

static ULONG CheckCreatedRequests(WDFDEVICE Device);
static ULONG CheckCreatedSend(VOID);

#define IOCTL_KMDFPNP_DOUBLE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* The second device's remote target on the first device, once opened (KmdfPnpCheckTargets). */
static WDFIOTARGET KmdfPnpRemote;
static ULONG AsyncCheck = 99;

/* EVT_WDF_REQUEST_COMPLETION_ROUTINE of the asynchronous forward below: 0 in AsyncCheck when the
   framework handed back what the first device answered. */
static VOID NTAPI KmdfPnpForwarded(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_COMPLETION_PARAMS Params, PVOID Context)
{
    WDF_REQUEST_COMPLETION_PARAMS copy;
    AsyncCheck = 0;
    if (Context != (PVOID)0x5A5A) AsyncCheck = 1;
    else if (Target != KmdfPnpRemote) AsyncCheck = 2;
    else if (Params->Size != sizeof(*Params) || Params->Type != WdfRequestTypeDeviceControl) AsyncCheck = 3;
    else if (Params->IoStatus.Status != STATUS_SUCCESS || Params->IoStatus.Information != sizeof(ULONG)) AsyncCheck = 4;
    else if (Params->Parameters.Ioctl.IoControlCode != IOCTL_KMDFPNP_DOUBLE + 12 || Params->Parameters.Ioctl.Output.Length != sizeof(ULONG)) AsyncCheck = 5;
    else if (WdfRequestGetStatus(Request) != STATUS_SUCCESS) AsyncCheck = 6;
    if (AsyncCheck == 0) {
        RtlZeroMemory(&copy, sizeof(copy));
        WdfRequestGetCompletionParams(Request, &copy);
        if (copy.Size != sizeof(copy) || copy.IoStatus.Information != sizeof(ULONG) || copy.Parameters.Ioctl.IoControlCode != IOCTL_KMDFPNP_DOUBLE + 12) AsyncCheck = 7;
    }
    WdfRequestCompleteWithInformation(Request, Params->IoStatus.Status, Params->IoStatus.Information);
}

/* The completion routine of a forward the first device parks in its manual queue: it comes back
   only when that queue cancels it at the device's removal. */
static VOID NTAPI KmdfPnpForwardedLater(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_COMPLETION_PARAMS Params, PVOID Context)
{
    UNREFERENCED_PARAMETER(Target);
    UNREFERENCED_PARAMETER(Context);
    DbgPrint("kmdfpnp: pended forward completed %08lx\n", Params->IoStatus.Status);
    WdfRequestComplete(Request, Params->IoStatus.Status);
}

/* Output ULONG = 2 * input ULONG, Information 4. */
static VOID KmdfPnpIoctl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode)
{
    PULONG in, out;
    UNREFERENCED_PARAMETER(Queue);
    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);
    /* The first device parks this one in its manual queue (WdfRequestForwardToIoQueue). */
    if ((IoControlCode == IOCTL_KMDFPNP_DOUBLE + 8 || (IoControlCode == IOCTL_KMDFPNP_DOUBLE + 16 && WdfIoQueueGetDevice(Queue) == KmdfPnpDevice)) && KmdfPnpManualQueue() != NULL) {
        NTSTATUS status = WdfRequestForwardToIoQueue(Request, KmdfPnpManualQueue());
        if (!NT_SUCCESS(status)) WdfRequestComplete(Request, status);
        return;
    }
    /* The second device forwards this one to the first asynchronously, with a completion routine. */
    if (IoControlCode == IOCTL_KMDFPNP_DOUBLE + 12 && WdfIoQueueGetDevice(Queue) != KmdfPnpDevice && KmdfPnpRemote != NULL) {
        WdfRequestFormatRequestUsingCurrentType(Request);
        WdfRequestSetCompletionRoutine(Request, KmdfPnpForwarded, (PVOID)0x5A5A);
        if (!WdfRequestSend(Request, KmdfPnpRemote, NULL)) WdfRequestComplete(Request, WdfRequestGetStatus(Request));
        return;
    }
    if (IoControlCode == IOCTL_KMDFPNP_DOUBLE + 16 && WdfIoQueueGetDevice(Queue) != KmdfPnpDevice && KmdfPnpRemote != NULL) {
        WdfRequestFormatRequestUsingCurrentType(Request);
        WdfRequestSetCompletionRoutine(Request, KmdfPnpForwardedLater, NULL);
        if (!WdfRequestSend(Request, KmdfPnpRemote, NULL)) WdfRequestComplete(Request, WdfRequestGetStatus(Request));
        return;
    }
    /* The first device's requests carry the context of its WdfDeviceInitSetRequestAttributes, zeroed. */
    if (WdfIoQueueGetDevice(Queue) == KmdfPnpDevice) {
        PREQUEST_CONTEXT context = (PREQUEST_CONTEXT)WdfObjectGetTypedContextWorker(Request, &KmdfPnpRequestContextType);
        if (context == NULL || context->Magic != 0) {
            WdfRequestComplete(Request, STATUS_INTERNAL_ERROR);
            return;
        }
        context->Magic = 1;
    }
    if ((IoControlCode != IOCTL_KMDFPNP_DOUBLE && IoControlCode != IOCTL_KMDFPNP_DOUBLE + 12) ||
        !NT_SUCCESS(WdfRequestRetrieveInputBuffer(Request, sizeof(ULONG), (PVOID *)&in, NULL)) ||
        !NT_SUCCESS(WdfRequestRetrieveOutputBuffer(Request, sizeof(ULONG), (PVOID *)&out, NULL))) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    *out = *in * 2;
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(ULONG));
}

WDFIOTARGET KmdfPnpRemoteTarget(VOID) { return KmdfPnpRemote; }

NTSTATUS KmdfPnpCreateQueue(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    NTSTATUS status;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoDeviceControl = KmdfPnpIoctl;
    config.EvtIoWrite = KmdfPnpWrite;
    config.EvtIoRead = KmdfPnpRead;
    status = WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
    if (NT_SUCCESS(status) && Device == KmdfPnpDevice) KmdfPnpSetDefaultQueue(queue);
    return status;
}

/* Run by the second device once it started: the first device's PDO (\Device\KmdllPnp0000, named by
   the PnP manager's root bus) opened by name reaches the first device's queue at the top of its stack. */
ULONG KmdfPnpCheckTargets(WDFDEVICE Device)
{
    WDFIOTARGET target;
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_MEMORY_DESCRIPTOR in, out;
    UNICODE_STRING name;
    ULONG value = 21, result = 0;
    ULONG_PTR bytes = 99;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&in, &value, sizeof(value));
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, &result, sizeof(result));
    if (WdfIoTargetCreate(Device, WDF_NO_OBJECT_ATTRIBUTES, &target) != STATUS_SUCCESS) return 1;
    /* Not open yet. */
    if (WdfIoTargetSendIoctlSynchronously(target, NULL, IOCTL_KMDFPNP_DOUBLE, &in, &out, NULL, &bytes) != STATUS_INVALID_DEVICE_STATE || bytes != 0) return 2;
    RtlInitUnicodeString(&name, L"\\Device\\NoSuchKmdfPnpDevice");
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &name, GENERIC_READ | GENERIC_WRITE);
    if (WdfIoTargetOpen(target, &open) != STATUS_OBJECT_NAME_NOT_FOUND) return 3;
    open.Size = 12;
    if (WdfIoTargetOpen(target, &open) != STATUS_INFO_LENGTH_MISMATCH) return 4;
    open.Size = sizeof(open);
    open.TargetDeviceName.Length = 0;
    if (WdfIoTargetOpen(target, &open) != STATUS_INVALID_PARAMETER) return 5;
    open.Type = WdfIoTargetOpenUseExistingDevice; /* without TargetDeviceObject */
    if (WdfIoTargetOpen(target, &open) != STATUS_INVALID_PARAMETER) return 6;
    RtlInitUnicodeString(&name, L"\\Device\\KmdllPnp0000");
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &name, GENERIC_READ | GENERIC_WRITE);
    if (WdfIoTargetOpen(target, &open) != STATUS_SUCCESS) return 7;
    if (WdfIoTargetSendIoctlSynchronously(target, NULL, IOCTL_KMDFPNP_DOUBLE, &in, &out, NULL, &bytes) != STATUS_SUCCESS || result != 42 || bytes != sizeof(ULONG)) return 8;
    /* The first device's queue refuses other codes. */
    if (WdfIoTargetSendIoctlSynchronously(target, NULL, IOCTL_KMDFPNP_DOUBLE + 4, &in, &out, NULL, &bytes) != STATUS_INVALID_DEVICE_REQUEST) return 9;
    {
        /* IRP_MJ_WRITE / IRP_MJ_READ the same way: the first device's queue takes 6 bytes; the root PDO below refuses a read. */
        UCHAR data[6] = { 1, 2, 3, 4, 5, 6 };
        LONGLONG offset = 0;
        WDF_MEMORY_DESCRIPTOR buffer;
        WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&buffer, data, sizeof(data));
        if (WdfIoTargetSendWriteSynchronously(target, NULL, &buffer, &offset, NULL, &bytes) != STATUS_SUCCESS || bytes != sizeof(data)) return 40;
        if (WdfIoTargetSendReadSynchronously(WdfDeviceGetIoTarget(Device), NULL, &buffer, &offset, NULL, &bytes) != STATUS_INVALID_DEVICE_REQUEST || bytes != 0) return 41;
    }
    WdfIoTargetClose(target);
    if (WdfIoTargetSendIoctlSynchronously(target, NULL, IOCTL_KMDFPNP_DOUBLE, &in, &out, NULL, &bytes) != STATUS_INVALID_DEVICE_STATE) return 10;
    /* The default target: the device below, the root bus's PDO, which fails IOCTLs. */
    if (WdfIoTargetSendIoctlSynchronously(WdfDeviceGetIoTarget(Device), NULL, IOCTL_KMDFPNP_DOUBLE, &in, &out, NULL, &bytes) != STATUS_INVALID_DEVICE_REQUEST) return 11;
    /* Opened again, then left for the framework: the target goes with its device. */
    if (WdfIoTargetOpen(target, &open) != STATUS_SUCCESS) return 12;
    {
        /* An IOCTL to its own stack that its queue forwards asynchronously (KmdfPnpForwarded). */
        KEVENT event;
        IO_STATUS_BLOCK iosb;
        PIRP irp;
        NTSTATUS status;
        PDEVICE_OBJECT top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
        KmdfPnpRemote = target;
        result = 0;
        KeInitializeEvent(&event, NotificationEvent, FALSE);
        irp = IoBuildDeviceIoControlRequest(IOCTL_KMDFPNP_DOUBLE + 12, top, &value, sizeof(value), &result, sizeof(result), FALSE, &event, &iosb);
        if (irp == NULL) return 13;
        if (IoCallDriver(top, irp) == STATUS_PENDING) KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(top);
        if (AsyncCheck != 0) return 20 + AsyncCheck;
        if (iosb.Status != STATUS_SUCCESS || iosb.Information != sizeof(ULONG) || result != 42) return 14;
        /* Forwarded the same way, but parked by the first device: pending until its removal cancels it. */
        {
            static KEVENT laterEvent;
            static IO_STATUS_BLOCK laterIosb;
            static ULONG laterIn = 5, laterOut;
            top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
            KeInitializeEvent(&laterEvent, NotificationEvent, FALSE);
            irp = IoBuildDeviceIoControlRequest(IOCTL_KMDFPNP_DOUBLE + 16, top, &laterIn, sizeof(laterIn), &laterOut, sizeof(laterOut), FALSE, &laterEvent, &laterIosb);
            if (irp == NULL) return 15;
            status = IoCallDriver(top, irp);
            ObDereferenceObject(top);
            if (status != STATUS_PENDING) return 16;
        }
    }
    return CheckCreatedRequests(Device);
}

static ULONG CreatedCheck = 99;
static PULONG CreatedOut;

/* The completion routine of a created request: the output is already in its memory. */
static VOID NTAPI KmdfPnpCreatedDone(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_COMPLETION_PARAMS Params, PVOID Context)
{
    CreatedCheck = 0;
    if (Context != (PVOID)0x7777 || Target != KmdfPnpRemote) CreatedCheck = 1;
    else if (Params->Type != WdfRequestTypeDeviceControl || Params->IoStatus.Status != STATUS_SUCCESS || Params->IoStatus.Information != sizeof(ULONG)) CreatedCheck = 2;
    else if (WdfRequestGetStatus(Request) != STATUS_SUCCESS || *CreatedOut != 42) CreatedCheck = 3;
}

/* WdfRequestCreate + WdfIoTargetFormatRequestForIoctl (WDFMEMORY buffers) + WdfRequestSend to the
   first device: asynchronously with a completion routine, then synchronously with an unknown code. */
static ULONG CheckCreatedSend(VOID)
{
    WDFREQUEST request;
    WDFMEMORY inMem, outMem;
    PULONG in;
    WDFMEMORY_OFFSET outside = { 2, sizeof(ULONG) };
    WDF_REQUEST_SEND_OPTIONS options;
    if (WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, KmdfPnpRemote, &request) != STATUS_SUCCESS) return 45;
    if (WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, sizeof(ULONG), &inMem, (PVOID *)&in) != STATUS_SUCCESS ||
        WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, sizeof(ULONG), &outMem, (PVOID *)&CreatedOut) != STATUS_SUCCESS) return 46;
    *in = 21;
    *CreatedOut = 0;
    if (WdfIoTargetFormatRequestForIoctl(KmdfPnpRemote, request, IOCTL_KMDFPNP_DOUBLE, inMem, NULL, outMem, &outside) != STATUS_INVALID_PARAMETER) return 47;
    if (WdfIoTargetFormatRequestForIoctl(KmdfPnpRemote, request, IOCTL_KMDFPNP_DOUBLE, inMem, NULL, outMem, NULL) != STATUS_SUCCESS) return 48;
    WdfRequestSetCompletionRoutine(request, KmdfPnpCreatedDone, (PVOID)0x7777);
    if (!WdfRequestSend(request, KmdfPnpRemote, NULL)) return 49;
    if (CreatedCheck != 0) return 50 + CreatedCheck;
    /* Reused, sent again, given an IRP of the driver's, deleted (reuse.c). */
    {
        ULONG check = KmdfPnpCheckReuse(KmdfPnpRemote, request, inMem, outMem, CreatedOut, &CreatedCheck);
        if (check != 0) return check;
    }
    /* A second request, sent synchronously: the first device refuses the code; the routine is not called. */
    CreatedCheck = 99;
    if (WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, KmdfPnpRemote, &request) != STATUS_SUCCESS) return 54;
    if (WdfIoTargetFormatRequestForIoctl(KmdfPnpRemote, request, IOCTL_KMDFPNP_DOUBLE + 4, inMem, NULL, outMem, NULL) != STATUS_SUCCESS) return 55;
    WdfRequestSetCompletionRoutine(request, KmdfPnpCreatedDone, (PVOID)0x7777);
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    if (!WdfRequestSend(request, KmdfPnpRemote, &options) || WdfRequestGetStatus(request) != STATUS_INVALID_DEVICE_REQUEST || CreatedCheck != 99) return 56;
    WdfObjectDelete(request);
    WdfObjectDelete(inMem);
    WdfObjectDelete(outMem);
    return 0;
}

/* WdfRequestCreate: bad attributes, a request deleted by the driver, one sized for the default
   target's device, one left to its parent device. */
static ULONG CheckCreatedRequests(WDFDEVICE Device)
{
    WDFREQUEST request = (WDFREQUEST)1;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.Size = 8;
    if (WdfRequestCreate(&attributes, NULL, &request) != STATUS_INFO_LENGTH_MISMATCH || request != NULL) return 30;
    if (WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, NULL, &request) != STATUS_SUCCESS || request == NULL) return 31;
    WdfObjectDelete(request);
    if (WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, WdfDeviceGetIoTarget(Device), &request) != STATUS_SUCCESS) return 32;
    if (WdfRequestWdmGetIrp(request)->StackCount != WdfDeviceWdmGetAttachedDevice(Device)->StackSize) return 33;
    WdfObjectDelete(request);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = Device;
    if (WdfRequestCreate(&attributes, NULL, &request) != STATUS_SUCCESS) return 34;
    {
        ULONG check = CheckCreatedSend();
        return check != 0 ? check : KmdfPnpCheckReadWrite(Device, KmdfPnpRemote);
    }
}

/* A NULL IoTarget: a WDF_VIOLATION. */
VOID NTAPI BadIoTargetNull(VOID) { WdfIoTargetCreate(KmdfPnpDevice, WDF_NO_OBJECT_ATTRIBUTES, NULL); }
/* A NULL Request: a WDF_VIOLATION. */
VOID NTAPI BadRequestCreateNull(VOID) { WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, NULL, NULL); }
