/* kmdffilt: the filter device and its queue: count and pass requests down, answer its own IOCTL. */
#include "kmdffilt.h"

const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfFiltContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "FILTER_CONTEXT", sizeof(FILTER_CONTEXT), &KmdfFiltContextType, NULL };

static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL KmdfFiltEvtIoDeviceControl;
static VOID KmdfFiltEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode)
{
    WDFDEVICE device = WdfIoQueueGetDevice(Queue);
    PFILTER_CONTEXT ctx = FilterContext(device);
    WDF_REQUEST_SEND_OPTIONS options;
    PULONG out;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);

    if (IoControlCode == IOCTL_PNPDEMO_FILTER_COUNT) {
        status = WdfRequestRetrieveOutputBuffer(Request, sizeof(ULONG), (PVOID *)&out, NULL);
        if (NT_SUCCESS(status))
            *out = ctx->Forwarded;
        WdfRequestCompleteWithInformation(Request, status, NT_SUCCESS(status) ? sizeof(ULONG) : 0);
        return;
    }
    ctx->Forwarded++;
    WdfRequestFormatRequestUsingCurrentType(Request);
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET);
    if (!WdfRequestSend(Request, WdfDeviceGetIoTarget(device), &options))
        WdfRequestComplete(Request, WdfRequestGetStatus(Request));
}

/* A DWORD of the device's hardware key, 0 when missing. */
static ULONG KmdfFiltQueryULong(WDFDEVICE Device, PCWSTR Name)
{
    WDFKEY key;
    ULONG value = 0;
    UNICODE_STRING name;
    if (!NT_SUCCESS(WdfDeviceOpenRegistryKey(Device, PLUGPLAY_REGKEY_DEVICE, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key))) return 0;
    RtlInitUnicodeString(&name, Name);
    if (!NT_SUCCESS(WdfRegistryQueryULong(key, &name, &value))) value = 0;
    WdfRegistryClose(key);
    return value;
}

NTSTATUS KmdfFiltEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_IO_QUEUE_CONFIG config;
    WDFDEVICE device;
    WDFQUEUE queue;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Driver);

    WdfFdoInitSetFilter(DeviceInit);
    RtlZeroMemory(&attributes, sizeof(attributes));
    attributes.Size = sizeof(attributes);
    attributes.ContextTypeInfo = &KmdfFiltContextType;
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoDeviceControl = KmdfFiltEvtIoDeviceControl;
    status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
    DbgPrint("kmdffilt: filter attached above %p\n", WdfDeviceWdmGetAttachedDevice(device));
    /* "FailFilterAdd"=1 in the hardware key: fail. For a filter the framework deletes the device and
       returns STATUS_SUCCESS, so the stack is built without it (Learn, EVT_WDF_DRIVER_DEVICE_ADD). */
    if (NT_SUCCESS(status) && KmdfFiltQueryULong(device, L"FailFilterAdd") == 1)
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    return status;
}
