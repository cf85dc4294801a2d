/* kmdfunld: DriverEntry of a non-PnP KMDF driver whose WDFDRIVER cleanup deletes its control device. */
#define KMDFMIN_STUB
#include "kmdfunld.h"

const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfUnldDriverContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "DRIVER_CONTEXT", sizeof(DRIVER_CONTEXT), &KmdfUnldDriverContextType, NULL };
const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfUnldDeviceContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "DEVICE_CONTEXT", sizeof(DEVICE_CONTEXT), &KmdfUnldDeviceContextType, NULL };
static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];
static PDRIVER_UNLOAD FrameworkUnload;

/* A referenced object deleted twice: the second WdfObjectDelete is dropped, the last dereference destroys it. */
static NTSTATUS KmdfUnldDeleteReferencedTwice(VOID)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFCOLLECTION temp;
    NTSTATUS status;

    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = KmdfUnldTempCleanup;
    attributes.EvtDestroyCallback = KmdfUnldTempDestroy;
    status = WdfCollectionCreate(&attributes, &temp);
    if (!NT_SUCCESS(status)) return status;
    WdfObjectReference(temp);
    WdfObjectDelete(temp);
    WdfObjectDelete(temp);
    DbgPrint("kmdfunld: referenced object deleted twice\n");
    WdfObjectDereference(temp);
    return STATUS_SUCCESS;
}

static NTSTATUS KmdfUnldCreateControlDevice(WDFDRIVER Driver, PDRIVER_CONTEXT ctx)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_IO_QUEUE_CONFIG queueConfig;
    PWDFDEVICE_INIT init;
    UNICODE_STRING name, link;
    WDFQUEUE queue;
    NTSTATUS status;

    init = WdfControlDeviceInitAllocate(Driver, NULL);
    if (init == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    RtlInitUnicodeString(&name, KMDFUNLD_DEVICE);
    status = WdfDeviceInitAssignName(init, &name);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init);
        return status;
    }
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ContextTypeInfo = &KmdfUnldDeviceContextType;
    attributes.EvtCleanupCallback = KmdfUnldDeviceCleanup;
    attributes.EvtDestroyCallback = KmdfUnldDeviceDestroy;
    status = WdfDeviceCreate(&init, &attributes, &ctx->Control);
    if (!NT_SUCCESS(status)) return status;
    ((PDEVICE_CONTEXT)WdfObjectGetTypedContextWorker(ctx->Control, &KmdfUnldDeviceContextType))->Magic = KMDFUNLD_MAGIC;
    RtlInitUnicodeString(&link, KMDFUNLD_LINK);
    status = WdfDeviceCreateSymbolicLink(ctx->Control, &link);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchSequential);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = KmdfUnldQueueCleanup;
    attributes.EvtDestroyCallback = KmdfUnldQueueDestroy;
    status = WdfIoQueueCreate(ctx->Control, &queueConfig, &attributes, &queue);
    if (!NT_SUCCESS(status)) return status;
    WdfControlFinishInitializing(ctx->Control);
    return STATUS_SUCCESS;
}

static DRIVER_UNLOAD KmdfUnldUnload;
static VOID KmdfUnldUnload(PDRIVER_OBJECT DriverObject)
{
    if (FrameworkUnload != NULL) FrameworkUnload(DriverObject);
    KmdllWdfUnbind(&SavedRegistryPath);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDRIVER driver;
    PDRIVER_CONTEXT ctx;
    NTSTATUS status;

    status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) return status;
    SavedRegistryPath.Buffer = SavedPathBuffer;
    SavedRegistryPath.MaximumLength = sizeof(SavedPathBuffer);
    RtlCopyUnicodeString(&SavedRegistryPath, RegistryPath);

    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags = WdfDriverInitNonPnpDriver;
    config.EvtDriverUnload = KmdfUnldEvtDriverUnload;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ContextTypeInfo = &KmdfUnldDriverContextType;
    attributes.EvtCleanupCallback = KmdfUnldDriverCleanup;
    attributes.EvtDestroyCallback = KmdfUnldDriverDestroy;
    status = WdfDriverCreate(DriverObject, RegistryPath, &attributes, &config, &driver);
    if (!NT_SUCCESS(status)) goto fail;
    ctx = (PDRIVER_CONTEXT)WdfObjectGetTypedContextWorker(driver, &KmdfUnldDriverContextType);

    status = KmdfUnldDeleteReferencedTwice();
    if (!NT_SUCCESS(status)) goto fail;
    /* No ParentObject: the collection's parent is the WDFDRIVER (Learn: WdfCollectionCreate). */
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = KmdfUnldCollectionCleanup;
    attributes.EvtDestroyCallback = KmdfUnldCollectionDestroy;
    status = WdfCollectionCreate(&attributes, &ctx->Collection);
    if (!NT_SUCCESS(status)) goto fail;
    status = KmdfUnldCreateControlDevice(driver, ctx);
    if (!NT_SUCCESS(status)) goto fail;

    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = KmdfUnldUnload;
    DbgPrint("kmdfunld: loaded\n");
    return STATUS_SUCCESS;

fail:
    DbgPrint("kmdfunld: DriverEntry failed 0x%08x\n", status);
    KmdllWdfUnbind(&SavedRegistryPath);
    return status;
}
