/* kmdffunc: the default queue; unknown IOCTLs are forwarded to the device below (the bus PDO). */
#include "kmdffunc.h"

static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL KmdfFuncEvtIoDeviceControl;
static VOID KmdfFuncEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode)
{
    WDFDEVICE device = WdfIoQueueGetDevice(Queue);
    PDEVICE_CONTEXT ctx = DeviceContext(device);
    PULONG in, out;
    NTSTATUS status;
    WDF_REQUEST_SEND_OPTIONS options;
    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);

    ctx->Requests++;
    switch (IoControlCode) {
    case IOCTL_PNPDEMO_READ_REGISTER:
        status = WdfRequestRetrieveInputBuffer(Request, sizeof(ULONG), (PVOID *)&in, NULL);
        if (NT_SUCCESS(status))
            status = WdfRequestRetrieveOutputBuffer(Request, sizeof(ULONG), (PVOID *)&out, NULL);
        if (NT_SUCCESS(status) && !ctx->HaveBus)
            status = STATUS_DEVICE_NOT_READY;
        if (!NT_SUCCESS(status)) {
            WdfRequestComplete(Request, status);
            return;
        }
        *out = ctx->Bus.ReadRegister(ctx->Bus.Header.Context, *in);
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(ULONG));
        return;
    case IOCTL_PNPDEMO_GET_INFO:
        status = WdfRequestRetrieveOutputBuffer(Request, 3 * sizeof(ULONG), (PVOID *)&out, NULL);
        if (!NT_SUCCESS(status)) {
            WdfRequestComplete(Request, status);
            return;
        }
        out[0] = ctx->Requests;
        out[1] = ctx->D0Entries;
        out[2] = ctx->ResourceCount;
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, 3 * sizeof(ULONG));
        return;
    default:
        /* Not ours: the bus below decides (send and forget: the request is no longer ours). */
        WdfRequestFormatRequestUsingCurrentType(Request);
        WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET);
        if (!WdfRequestSend(Request, WdfDeviceGetIoTarget(device), &options))
            WdfRequestComplete(Request, WdfRequestGetStatus(Request));
        return;
    }
}

NTSTATUS KmdfFuncCreateQueue(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoDeviceControl = KmdfFuncEvtIoDeviceControl;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}
