/* kmdfpnp: a manual queue for reads (WdfDeviceConfigureRequestDispatching): requests wait there until
   the driver takes them with WdfIoQueueRetrieveNextRequest; one left there is cancelled at removal. */
#include "pnpdrv.h"

static WDFQUEUE ManualQueue, DefaultQueue;

NTSTATUS KmdfPnpCreateManualQueue(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    NTSTATUS status;
    RtlZeroMemory(&config, sizeof(config));
    config.Size = sizeof(config);
    config.DispatchType = WdfIoQueueDispatchManual;
    config.PowerManaged = WdfUseDefault;
    status = WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &ManualQueue);
    if (!NT_SUCCESS(status)) return status;
    return WdfDeviceConfigureRequestDispatching(Device, ManualQueue, IRP_MJ_READ);
}

VOID KmdfPnpSetDefaultQueue(WDFQUEUE Queue) { DefaultQueue = Queue; }
WDFQUEUE KmdfPnpManualQueue(VOID) { return ManualQueue; }

static UCHAR HeldBuffer[8];
static NTSTATUS NTAPI HeldReadDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    DbgPrint("kmdfpnp: held read completed 0x%08x\n", Irp->IoStatus.Status);
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

#define IOCTL_KMDFPNP_DOUBLE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
static LONG Stopped;
static VOID NTAPI StopComplete(WDFQUEUE Queue, WDFCONTEXT Context) { UNREFERENCED_PARAMETER(Queue); UNREFERENCED_PARAMETER(Context); Stopped++; }

/* WdfIoQueueStop / Start: a stopped queue holds requests (a manual one refuses retrieval with
   STATUS_WDF_PAUSED); Start hands what a stopped parallel queue held to its callback. */
static ULONG CheckStopStart(WDFDEVICE Device)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    ULONG in = 5, out = 0, queued = 0;
    WDFREQUEST request;
    PIRP irp;
    PDEVICE_OBJECT top;
    WdfIoQueueStop(ManualQueue, StopComplete, NULL);
    if (Stopped != 1 || (WdfIoQueueGetState(ManualQueue, NULL, NULL) & 0x2)) return 80;
    if (WdfIoQueueRetrieveNextRequest(ManualQueue, &request) != (NTSTATUS)0xC0200203L) return 81; /* STATUS_WDF_PAUSED */
    WdfIoQueueStart(ManualQueue);
    if (WdfIoQueueRetrieveNextRequest(ManualQueue, &request) != (NTSTATUS)0x8000001AL) return 82;
    WdfIoQueueStopSynchronously(DefaultQueue);
    top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildDeviceIoControlRequest(IOCTL_KMDFPNP_DOUBLE, top, &in, sizeof(in), &out, sizeof(out), FALSE, &event, &iosb);
    if (irp == NULL || IoCallDriver(top, irp) != STATUS_PENDING) return 83;
    if (WdfIoQueueGetState(DefaultQueue, &queued, NULL) & 0x2 || queued != 1 || out != 0) return 84;
    WdfIoQueueStart(DefaultQueue); /* KmdfPnpIoctl gets it now */
    KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(top);
    if (iosb.Status != STATUS_SUCCESS || iosb.Information != sizeof(ULONG) || out != 10) return 85;
    /* Forwarded by the default queue's callback into the manual queue: pending until retrieved. */
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
    irp = IoBuildDeviceIoControlRequest(IOCTL_KMDFPNP_DOUBLE + 8, top, &in, sizeof(in), &out, sizeof(out), FALSE, &event, &iosb);
    if (irp == NULL || IoCallDriver(top, irp) != STATUS_PENDING) return 86;
    if (WdfIoQueueRetrieveNextRequest(ManualQueue, &request) != STATUS_SUCCESS) return 87;
    {
        PULONG p;
        if (!NT_SUCCESS(WdfRequestRetrieveOutputBuffer(request, sizeof(ULONG), (PVOID *)&p, NULL))) return 88;
        *p = 77;
        WdfRequestCompleteWithInformation(request, STATUS_SUCCESS, sizeof(ULONG));
    }
    KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(top);
    if (iosb.Status != STATUS_SUCCESS || out != 77) return 89;
    return 0;
}

ULONG KmdfPnpCheckManualQueue(WDFDEVICE Device)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    LARGE_INTEGER offset;
    UCHAR buffer[8];
    ULONG queued = 99, owned = 99;
    WDFREQUEST request;
    PIRP irp;
    PDEVICE_OBJECT top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
    offset.QuadPart = 0;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, top, buffer, sizeof(buffer), &offset, &event, &iosb);
    if (irp == NULL || IoCallDriver(top, irp) != STATUS_PENDING) return 90;
    if (!(WdfIoQueueGetState(ManualQueue, &queued, &owned) & 0x2) || queued != 1) return 91;
    if (WdfIoQueueRetrieveNextRequest(ManualQueue, &request) != STATUS_SUCCESS || request == NULL) return 92;
    WdfRequestCompleteWithInformation(request, STATUS_SUCCESS, 8);
    KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
    if (iosb.Status != STATUS_SUCCESS || iosb.Information != 8) return 93;
    request = (WDFREQUEST)1;
    if (WdfIoQueueRetrieveNextRequest(ManualQueue, &request) != (NTSTATUS)0x8000001AL || request != NULL) return 94; /* STATUS_NO_MORE_ENTRIES */
    if (WdfIoQueueGetState(ManualQueue, &queued, NULL) & 0x4 ? queued != 0 : TRUE) return 95;
    /* A parallel queue hands its requests to callbacks: nothing to retrieve. */
    if (WdfIoQueueRetrieveNextRequest(DefaultQueue, &request) != STATUS_INVALID_DEVICE_STATE) return 96;
    queued = CheckStopStart(Device);
    if (queued != 0) return queued;
    /* One left in the queue: the framework cancels it when the device goes (HeldReadDone prints it). */
    irp = IoBuildAsynchronousFsdRequest(IRP_MJ_READ, top, HeldBuffer, sizeof(HeldBuffer), &offset, NULL);
    if (irp == NULL) return 97;
    IoSetCompletionRoutine(irp, HeldReadDone, NULL, TRUE, TRUE, TRUE);
    if (IoCallDriver(top, irp) != STATUS_PENDING) return 98;
    ObDereferenceObject(top);
    return 0;
}
