/* kmdfunbd: a KMDF driver with its own DriverUnload, which only unbinds from the framework. */
#define KMDFMIN_STUB
#include "kmdfunbd.h"

static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];

static DRIVER_UNLOAD KmdfUnbdUnload;
static VOID KmdfUnbdUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("kmdfunbd: DriverUnload, unbinding\n");
    /* The framework deletes the WDFDRIVER it still has (no EvtDriverUnload is called). */
    KmdllWdfUnbind(&SavedRegistryPath);
    DbgPrint("kmdfunbd: DriverUnload, unbound\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDRIVER driver;
    WDFCOLLECTION collection;
    WDFKEY key;
    NTSTATUS status;

    status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) return status;
    SavedRegistryPath.Buffer = SavedPathBuffer;
    SavedRegistryPath.MaximumLength = sizeof(SavedPathBuffer);
    RtlCopyUnicodeString(&SavedRegistryPath, RegistryPath);

    /* No dispatch override and no EvtDriverUnload: DriverObject->DriverUnload stays the driver's. */
    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags = WdfDriverInitNoDispatchOverride;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = KmdfUnbdDriverCleanup;
    attributes.EvtDestroyCallback = KmdfUnbdDriverDestroy;
    status = WdfDriverCreate(DriverObject, RegistryPath, &attributes, &config, &driver);
    if (!NT_SUCCESS(status)) goto fail;

    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = KmdfUnbdCollectionCleanup;
    attributes.EvtDestroyCallback = KmdfUnbdCollectionDestroy;
    status = WdfCollectionCreate(&attributes, &collection);
    if (!NT_SUCCESS(status)) goto fail;
    /* Kept open: its parent is the WDFDRIVER, whose deletion closes it. */
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = KmdfUnbdKeyCleanup;
    status = WdfDriverOpenParametersRegistryKey(driver, KEY_READ, &attributes, &key);
    if (!NT_SUCCESS(status)) goto fail;

    /* A subkey created below it (then opened again: the existing key), both WDFKEYs parented to
     * the WDFDRIVER too. */
    {
        UNICODE_STRING sub = RTL_CONSTANT_STRING(L"Settings");
        WDFKEY created, again;
        ULONG first = 0, second = 0;
        status = WdfRegistryCreateKey(key, &sub, KEY_ALL_ACCESS, REG_OPTION_NON_VOLATILE, &first, WDF_NO_OBJECT_ATTRIBUTES, &created);
        if (!NT_SUCCESS(status)) goto fail;
        status = WdfRegistryCreateKey(key, &sub, KEY_READ, REG_OPTION_NON_VOLATILE, &second, WDF_NO_OBJECT_ATTRIBUTES, &again);
        if (!NT_SUCCESS(status)) goto fail;
        DbgPrint("kmdfunbd: Parameters\\Settings created (%u), then opened (%u)\n", first, second);
        /* A value written through the first key's WDM handle reads back through the second WDFKEY. */
        {
            UNICODE_STRING probe = RTL_CONSTANT_STRING(L"Probe");
            ULONG seven = 7, back = 0;
            status = ZwSetValueKey(WdfRegistryWdmGetHandle(created), &probe, 0, REG_DWORD, &seven, sizeof(seven));
            if (!NT_SUCCESS(status)) goto fail;
            status = WdfRegistryQueryULong(again, &probe, &back);
            if (!NT_SUCCESS(status)) goto fail;
            DbgPrint("kmdfunbd: Probe written through the WDM handle reads %u\n", back);
        }
    }

    DriverObject->DriverUnload = KmdfUnbdUnload;
    DbgPrint("kmdfunbd: loaded\n");
    return STATUS_SUCCESS;

fail:
    DbgPrint("kmdfunbd: DriverEntry failed 0x%08x\n", status);
    KmdllWdfUnbind(&SavedRegistryPath);
    return status;
}
