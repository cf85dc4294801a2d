/* kmdfctl: the default queue and its EvtIoDeviceControl. */
#include "kmdfctl.h"

static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL KmdfCtlEvtIoDeviceControl;
static VOID KmdfCtlEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode)
{
    PDEVICE_CONTEXT ctx = (PDEVICE_CONTEXT)WdfObjectGetTypedContextWorker(KmdfCtlDevice, &KmdfCtlContextType);
    PUCHAR in, out;
    size_t inLen, outLen, i;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Queue);
    ctx->Requests++;
    switch (IoControlCode) {
    case IOCTL_KMDFCTL_REVERSE:
        status = WdfRequestRetrieveInputBuffer(Request, 1, (PVOID *)&in, &inLen);
        if (!NT_SUCCESS(status)) break;
        status = WdfRequestRetrieveOutputBuffer(Request, inLen, (PVOID *)&out, &outLen);
        if (!NT_SUCCESS(status)) break;
        {
            UCHAR tmp[64];
            if (inLen > sizeof(tmp)) {
                status = STATUS_INVALID_PARAMETER;
                break;
            }
            RtlCopyMemory(tmp, in, inLen);
            for (i = 0; i < inLen; i++) out[i] = tmp[inLen - 1 - i];
        }
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, inLen);
        return;
    case IOCTL_KMDFCTL_COUNT:
        if (OutputBufferLength < sizeof(ULONG)) {
            status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        status = WdfRequestRetrieveOutputBuffer(Request, sizeof(ULONG), (PVOID *)&out, &outLen);
        if (!NT_SUCCESS(status)) break;
        *(PULONG)out = ctx->Requests;
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(ULONG));
        return;
    case IOCTL_KMDFCTL_FILES: {
        KMDFCTL_FILES *files;
        WDFFILEOBJECT file = WdfRequestGetFileObject(Request);
        status = WdfRequestRetrieveOutputBuffer(Request, sizeof(KMDFCTL_FILES), (PVOID *)&files, &outLen);
        if (!NT_SUCCESS(status)) break;
        files->Creates = ctx->Creates;
        files->Cleanups = ctx->Cleanups;
        files->Closes = ctx->Closes;
        /* The request came through an open: its WDFFILEOBJECT carries that open's sequence number. */
        files->Sequence = file == NULL ? 0 : ((PFILE_CONTEXT)WdfObjectGetTypedContextWorker(file, &KmdfCtlFileContextType))->Sequence;
        WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(KMDFCTL_FILES));
        return;
    }
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    UNREFERENCED_PARAMETER(InputBufferLength);
    WdfRequestComplete(Request, status);
}

NTSTATUS KmdfCtlCreateQueue(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;

    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.EvtIoDeviceControl = KmdfCtlEvtIoDeviceControl;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}
