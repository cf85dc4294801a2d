/* kmdfctl: DriverEntry and unload of a non-PnP KMDF driver with one control device. */
#define KMDFMIN_STUB
#include "kmdfctl.h"

const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfCtlContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "DEVICE_CONTEXT", sizeof(DEVICE_CONTEXT), &KmdfCtlContextType, NULL };
WDFDEVICE KmdfCtlDevice;
static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];

static EVT_WDF_DRIVER_UNLOAD KmdfCtlEvtDriverUnload;
static VOID KmdfCtlEvtDriverUnload(WDFDRIVER Driver)
{
    UNREFERENCED_PARAMETER(Driver);
    DbgPrint("kmdfctl: EvtDriverUnload\n");
}

static DRIVER_UNLOAD KmdfCtlUnload;
static PDRIVER_UNLOAD FrameworkUnload;

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDRIVER driver;
    PWDFDEVICE_INIT init;
    UNICODE_STRING name, link;
    NTSTATUS status;

    status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) {
        DbgPrint("kmdfctl: WdfVersionBind failed 0x%08x\n", status);
        return status;
    }
    SavedRegistryPath.Buffer = SavedPathBuffer;
    SavedRegistryPath.MaximumLength = sizeof(SavedPathBuffer);
    RtlCopyUnicodeString(&SavedRegistryPath, RegistryPath);

    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags = WdfDriverInitNonPnpDriver;
    config.EvtDriverUnload = KmdfCtlEvtDriverUnload;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &driver);
    if (!NT_SUCCESS(status)) goto fail;
    if (WdfDriverWdmGetDriverObject(driver) != DriverObject) {
        status = STATUS_UNSUCCESSFUL;
        goto fail;
    }

    init = WdfControlDeviceInitAllocate(driver, NULL);
    if (init == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto fail;
    }
    RtlInitUnicodeString(&name, KMDFCTL_DEVICE);
    status = WdfDeviceInitAssignName(init, &name);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init);
        goto fail;
    }
    KmdfCtlSetFileCallbacks(init);
    RtlZeroMemory(&attributes, sizeof(attributes));
    attributes.Size = sizeof(attributes);
    attributes.ContextTypeInfo = &KmdfCtlContextType;
    status = WdfDeviceCreate(&init, &attributes, &KmdfCtlDevice);
    if (!NT_SUCCESS(status)) goto fail;
    RtlInitUnicodeString(&link, KMDFCTL_LINK);
    status = WdfDeviceCreateSymbolicLink(KmdfCtlDevice, &link);
    if (!NT_SUCCESS(status)) goto fail;
    status = KmdfCtlCreateQueue(KmdfCtlDevice);
    if (!NT_SUCCESS(status)) goto fail;
    WdfControlFinishInitializing(KmdfCtlDevice);

    /* Chain our unload after the framework's, so the binding is released (as the WDK stub does). */
    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = KmdfCtlUnload;
    DbgPrint("kmdfctl: loaded\n");
    return STATUS_SUCCESS;

fail:
    DbgPrint("kmdfctl: DriverEntry failed 0x%08x\n", status);
    KmdllWdfUnbind(&SavedRegistryPath);
    return status;
}

static VOID KmdfCtlUnload(PDRIVER_OBJECT DriverObject)
{
    if (FrameworkUnload != NULL) FrameworkUnload(DriverObject);
    KmdllWdfUnbind(&SavedRegistryPath);
}
