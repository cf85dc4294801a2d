/* kmdfobjs: DriverEntry (control device, queue, periodic timer) and the export-driver entry points. */
#define KMDFMIN_STUB
#include "kmdfobjs.h"

const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfObjsContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "DEVICE_CONTEXT", sizeof(DEVICE_CONTEXT), &KmdfObjsContextType, NULL };
WDFDEVICE KmdfObjsDevice;
WDFDRIVER KmdfObjsDriver;

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(VOID) { return STATUS_SUCCESS; }

PDEVICE_CONTEXT KmdfObjsContext(VOID)
{
    return (PDEVICE_CONTEXT)WdfObjectGetTypedContextWorker(KmdfObjsDevice, &KmdfObjsContextType);
}

static EVT_WDF_DRIVER_UNLOAD KmdfObjsEvtDriverUnload;
static VOID KmdfObjsEvtDriverUnload(WDFDRIVER Driver)
{
    UNREFERENCED_PARAMETER(Driver);
    DbgPrint("kmdfobjs: EvtDriverUnload\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    PWDFDEVICE_INIT init;
    UNICODE_STRING name, link;
    NTSTATUS status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) return status;

    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags = WdfDriverInitNonPnpDriver;
    config.EvtDriverUnload = KmdfObjsEvtDriverUnload;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &KmdfObjsDriver);
    if (!NT_SUCCESS(status)) return status;

    init = WdfControlDeviceInitAllocate(KmdfObjsDriver, NULL);
    if (init == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    RtlInitUnicodeString(&name, KMDFOBJS_DEVICE);
    status = WdfDeviceInitAssignName(init, &name);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init);
        return status;
    }
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ContextTypeInfo = &KmdfObjsContextType;
    status = WdfDeviceCreate(&init, &attributes, &KmdfObjsDevice);
    if (!NT_SUCCESS(status)) return status;
    RtlInitUnicodeString(&link, KMDFOBJS_LINK);
    status = WdfDeviceCreateSymbolicLink(KmdfObjsDevice, &link);
    if (!NT_SUCCESS(status)) return status;
    status = KmdfObjsCreateQueue(KmdfObjsDevice);
    if (!NT_SUCCESS(status)) return status;
    status = KmdfObjsCreateTimer(KmdfObjsDevice);
    if (!NT_SUCCESS(status)) return status;
    WdfControlFinishInitializing(KmdfObjsDevice);
    DbgPrint("kmdfobjs: loaded\n");
    return STATUS_SUCCESS;
}
