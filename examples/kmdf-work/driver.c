/* kmdfwork: DriverEntry and unload of a non-PnP KMDF driver whose control device takes I/O in the caller's context. */
#define KMDFMIN_STUB
#include "kmdfwork.h"

WDFDRIVER KmdfWorkDriver;
WDFDEVICE KmdfWorkDevice;
static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];
static DRIVER_UNLOAD KmdfWorkUnload;
static PDRIVER_UNLOAD FrameworkUnload;

/* A non-PnP KMDF driver is unloadable only with an EvtDriverUnload; the framework then deletes its control device. */
static EVT_WDF_DRIVER_UNLOAD KmdfWorkEvtDriverUnload;
static VOID KmdfWorkEvtDriverUnload(WDFDRIVER Driver)
{
    UNREFERENCED_PARAMETER(Driver);
    DbgPrint("kmdfwork: EvtDriverUnload\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    PWDFDEVICE_INIT init;
    UNICODE_STRING name, link;
    NTSTATUS status;

    status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) return status;
    SavedRegistryPath.Buffer = SavedPathBuffer;
    SavedRegistryPath.MaximumLength = sizeof(SavedPathBuffer);
    RtlCopyUnicodeString(&SavedRegistryPath, RegistryPath);

    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags = WdfDriverInitNonPnpDriver;
    config.EvtDriverUnload = KmdfWorkEvtDriverUnload;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &KmdfWorkDriver);
    if (!NT_SUCCESS(status)) goto fail;
    init = WdfControlDeviceInitAllocate(KmdfWorkDriver, NULL);
    if (init == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto fail;
    }
    RtlInitUnicodeString(&name, KMDFWORK_DEVICE);
    status = WdfDeviceInitAssignName(init, &name);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init);
        goto fail;
    }
    WdfDeviceInitSetIoInCallerContextCallback(init, KmdfWorkInCallerContext);
    status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &KmdfWorkDevice);
    if (!NT_SUCCESS(status)) goto fail;
    RtlInitUnicodeString(&link, KMDFWORK_LINK);
    status = WdfDeviceCreateSymbolicLink(KmdfWorkDevice, &link);
    if (!NT_SUCCESS(status)) goto fail;
    status = KmdfWorkCreateQueue(KmdfWorkDevice);
    if (!NT_SUCCESS(status)) goto fail;
    WdfControlFinishInitializing(KmdfWorkDevice);
    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = KmdfWorkUnload;
    DbgPrint("kmdfwork: loaded\n");
    return STATUS_SUCCESS;

fail:
    DbgPrint("kmdfwork: DriverEntry failed 0x%08x\n", status);
    KmdllWdfUnbind(&SavedRegistryPath);
    return status;
}

static VOID KmdfWorkUnload(PDRIVER_OBJECT DriverObject)
{
    if (FrameworkUnload != NULL) FrameworkUnload(DriverObject);
    KmdllWdfUnbind(&SavedRegistryPath);
}
