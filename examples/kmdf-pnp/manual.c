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

static UCHAR HeldBuffer[8];
static NTSTATUS NTAPI HeldReadDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    DbgPrint("kmdfpnp: held read completed 0x%08x\n", Irp->IoStatus.Status);
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
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
    /* One left in the queue: the framework cancels it when the device goes (HeldReadDone prints it). */
    irp = IoBuildAsynchronousFsdRequest(IRP_MJ_READ, top, HeldBuffer, sizeof(HeldBuffer), &offset, NULL);
    if (irp == NULL) return 97;
    IoSetCompletionRoutine(irp, HeldReadDone, NULL, TRUE, TRUE, TRUE);
    if (IoCallDriver(top, irp) != STATUS_PENDING) return 98;
    ObDereferenceObject(top);
    return 0;
}
