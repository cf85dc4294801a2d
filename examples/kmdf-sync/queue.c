/* kmdfsync: the default queue; its IOCTLs mark requests cancelable, cancel and unmark them. */
#include "kmdfsync.h"

static LONG CancelCalls;
static EVT_WDF_REQUEST_CANCEL CompleteCancelled, CountCancel;
/* EvtRequestCancel that completes the request, as most drivers do. */
static VOID NTAPI CompleteCancelled(WDFREQUEST Request)
{
    InterlockedIncrement(&CancelCalls);
    WdfRequestComplete(Request, STATUS_CANCELLED);
}
/* EvtRequestCancel that only notes the cancellation (the driver completes the request elsewhere). */
static VOID NTAPI CountCancel(WDFREQUEST Request)
{
    UNREFERENCED_PARAMETER(Request);
    InterlockedIncrement(&CancelCalls);
}

static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL KmdfSyncEvtIoDeviceControl;
static VOID KmdfSyncEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode)
{
    ULONG *out;
    size_t length;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Queue);
    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);
    switch (IoControlCode) {
    case IOCTL_KMDFSYNC_CANCEL_SELF:
        CancelCalls = 0;
        WdfRequestMarkCancelable(Request, CompleteCancelled);
        if (WdfRequestIsCanceled(Request)) {
            WdfRequestComplete(Request, STATUS_INTERNAL_ERROR);
            return;
        }
        /* Whatever cancels the IRP (here the driver itself) reaches EvtRequestCancel, which completes the request. */
        IoCancelIrp(WdfRequestWdmGetIrp(Request));
        return;
    case IOCTL_KMDFSYNC_UNMARK:
        status = WdfRequestRetrieveOutputBuffer(Request, 3 * sizeof(ULONG), (PVOID *)&out, &length);
        if (!NT_SUCCESS(status)) break;
        out[0] = (ULONG)WdfRequestMarkCancelableEx(Request, CompleteCancelled);
        out[1] = (ULONG)WdfRequestUnmarkCancelable(Request);
        out[2] = WdfRequestIsCanceled(Request);
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, 3 * sizeof(ULONG));
        return;
    case IOCTL_KMDFSYNC_CANCEL_UNMARK:
        status = WdfRequestRetrieveOutputBuffer(Request, 4 * sizeof(ULONG), (PVOID *)&out, &length);
        if (!NT_SUCCESS(status)) break;
        CancelCalls = 0;
        WdfRequestMarkCancelableEx(Request, CountCancel);
        IoCancelIrp(WdfRequestWdmGetIrp(Request));
        out[0] = (ULONG)WdfRequestUnmarkCancelable(Request);
        out[1] = WdfRequestIsCanceled(Request);
        out[2] = (ULONG)WdfRequestMarkCancelableEx(Request, CountCancel);
        out[3] = (ULONG)CancelCalls;
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, 4 * sizeof(ULONG));
        return;
    case IOCTL_KMDFSYNC_PEND:
        /* Left pending, cancelable: the program's CancelIo (IoCancelIrp) reaches CompleteCancelled. */
        WdfRequestMarkCancelable(Request, CompleteCancelled);
        return;
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    WdfRequestComplete(Request, status);
}

NTSTATUS KmdfSyncCreateQueue(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.EvtIoDeviceControl = KmdfSyncEvtIoDeviceControl;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
}

/* A second queue that only reads: WdfDeviceConfigureRequestDispatching sends the device's reads
   to it (the default queue has no EvtIoRead: a read would fail with STATUS_INVALID_DEVICE_REQUEST). */
static EVT_WDF_IO_QUEUE_IO_READ KmdfSyncEvtIoRead;
static VOID NTAPI KmdfSyncEvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    UNREFERENCED_PARAMETER(Queue);
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, Length);
}

static WDFQUEUE ReadQueue;
#define CHECK(n, cond) do { if (!(cond)) return (n); } while (0)
ULONG NTAPI TestDispatching(VOID)
{
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.DefaultQueue = FALSE;
    config.EvtIoRead = KmdfSyncEvtIoRead;
    CHECK(1, WdfIoQueueCreate(KmdfSyncDevice, &config, WDF_NO_OBJECT_ATTRIBUTES, &ReadQueue) == STATUS_SUCCESS);
    /* IRP_MJ_PNP is no request type a queue takes. */
    CHECK(2, WdfDeviceConfigureRequestDispatching(KmdfSyncDevice, ReadQueue, 0x1B) == STATUS_INVALID_PARAMETER);
    /* Neither EvtIoDefault nor EvtIoDeviceControl on this queue. */
    CHECK(3, WdfDeviceConfigureRequestDispatching(KmdfSyncDevice, ReadQueue, WdfRequestTypeDeviceControl) == STATUS_INVALID_DEVICE_REQUEST);
    CHECK(4, WdfDeviceConfigureRequestDispatching(KmdfSyncDevice, ReadQueue, WdfRequestTypeRead) == STATUS_SUCCESS);
    return 0;
}

/* A WDFDEVICE where the WDFQUEUE belongs: a WDF_VIOLATION. */
NTSTATUS NTAPI BadDispatchingQueue(VOID)
{
    return WdfDeviceConfigureRequestDispatching(KmdfSyncDevice, (WDFQUEUE)KmdfSyncDevice, WdfRequestTypeRead);
}
