/* kmdffilt: DriverEntry and unload. */
#define KMDFMIN_STUB
#include "kmdffilt.h"

static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];
static PDRIVER_UNLOAD FrameworkUnload;

static VOID NTAPI KmdfFiltUnload(PDRIVER_OBJECT DriverObject)
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
    WDF_DRIVER_CONFIG_INIT(&config, KmdfFiltEvtDeviceAdd);
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
    if (!NT_SUCCESS(status)) {
        KmdllWdfUnbind(&SavedRegistryPath);
        return status;
    }
    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = KmdfFiltUnload;
    return STATUS_SUCCESS;
}
