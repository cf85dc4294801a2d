/* kmdfwork: EvtIoInCallerContext and the default queue's EvtIoDeviceControl. */
#include "kmdfwork.h"

WDFQUEUE KmdfWorkQueue;
static ULONG PurgeCompleteCalls;

static VOID NTAPI KmdfWorkPurgeComplete(WDFQUEUE Queue, WDFCONTEXT Context)
{
    if (Queue == KmdfWorkQueue && Context == (WDFCONTEXT)&PurgeCompleteCalls) PurgeCompleteCalls++;
}

/* In the requester's context: complete reads and 0xCC IOCTLs here, put the other IOCTLs in the queue. */
VOID NTAPI KmdfWorkInCallerContext(WDFDEVICE Device, WDFREQUEST Request)
{
    WDF_REQUEST_PARAMETERS params;
    PUCHAR in;
    size_t inLen;
    NTSTATUS status;

    WDF_REQUEST_PARAMETERS_INIT(&params);
    WdfRequestGetParameters(Request, &params);
    if (params.Type == WdfRequestTypeRead) {
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, params.Parameters.Read.Length);
        return;
    }
    if (params.Type != WdfRequestTypeDeviceControl) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    /* The IOCTL's parameters as the I/O manager set them: METHOD_BUFFERED, 4 bytes out, 1 in. */
    if (params.Parameters.DeviceIoControl.IoControlCode != IOCTL_KMDFWORK_TEST || params.Parameters.DeviceIoControl.OutputBufferLength != sizeof(ULONG) ||
        params.Parameters.DeviceIoControl.InputBufferLength != 1) {
        DbgPrint("FAIL WdfRequestGetParameters: code 0x%08x out %lu in %lu\n", params.Parameters.DeviceIoControl.IoControlCode,
                 (ULONG)params.Parameters.DeviceIoControl.OutputBufferLength, (ULONG)params.Parameters.DeviceIoControl.InputBufferLength);
        WdfRequestComplete(Request, STATUS_DATA_ERROR);
        return;
    }
    status = WdfRequestRetrieveInputBuffer(Request, 1, (PVOID *)&in, &inLen);
    if (NT_SUCCESS(status) && in[0] == KMDFWORK_PURGE) {
        /* After the purge the queue takes no requests (STATUS_INVALID_DEVICE_STATE) until started again. */
        WdfIoQueuePurge(KmdfWorkQueue, KmdfWorkPurgeComplete, (WDFCONTEXT)&PurgeCompleteCalls);
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, PurgeCompleteCalls);
        return;
    }
    if (NT_SUCCESS(status) && in[0] == KMDFWORK_START) {
        WdfIoQueueStart(KmdfWorkQueue);
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, 1);
        return;
    }
    if (NT_SUCCESS(status) && in[0] == KMDFWORK_IN_CALLER) {
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, 1);
        return;
    }
    status = WdfDeviceEnqueueRequest(Device, Request);
    /* On failure the driver still owns the request (Learn: WdfDeviceEnqueueRequest). */
    if (!NT_SUCCESS(status)) WdfRequestComplete(Request, status);
}

static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL KmdfWorkEvtIoDeviceControl;
static VOID KmdfWorkEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode)
{
    PULONG out;
    size_t outLen;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Queue);
    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);
    if (IoControlCode != IOCTL_KMDFWORK_TEST) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    status = WdfRequestRetrieveOutputBuffer(Request, sizeof(ULONG), (PVOID *)&out, &outLen);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }
    *out = KmdfWorkTestWorkItems();
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(ULONG));
}

NTSTATUS KmdfWorkCreateQueue(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.EvtIoDeviceControl = KmdfWorkEvtIoDeviceControl;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &KmdfWorkQueue);
}
