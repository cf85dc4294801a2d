/* kmdffunc: DriverEntry of a PnP KMDF driver (EvtDriverDeviceAdd) and its unload. */
#define KMDFMIN_STUB
#include "kmdffunc.h"

static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];
static PDRIVER_UNLOAD FrameworkUnload;

static EVT_WDF_DRIVER_UNLOAD KmdfFuncEvtDriverUnload;
static VOID KmdfFuncEvtDriverUnload(WDFDRIVER Driver)
{
    UNREFERENCED_PARAMETER(Driver);
    DbgPrint("kmdffunc: EvtDriverUnload\n");
}

/* Chained after the framework's unload so the binding is released, as the WDK stub does. */
static VOID NTAPI KmdfFuncUnload(PDRIVER_OBJECT DriverObject)
{
    FrameworkUnload(DriverObject);
    KmdllWdfUnbind(&SavedRegistryPath);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    NTSTATUS status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status))
        return status;
    SavedRegistryPath.Buffer = SavedPathBuffer;
    SavedRegistryPath.MaximumLength = sizeof(SavedPathBuffer);
    RtlCopyUnicodeString(&SavedRegistryPath, RegistryPath);

    WDF_DRIVER_CONFIG_INIT(&config, KmdfFuncEvtDeviceAdd);
    config.EvtDriverUnload = KmdfFuncEvtDriverUnload;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
    if (!NT_SUCCESS(status)) {
        KmdllWdfUnbind(&SavedRegistryPath);
        return status;
    }
    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = KmdfFuncUnload;
    return STATUS_SUCCESS;
}
