/* kmdfpnp: DriverEntry (the Parameters key), the export-driver entry points, Bad* routines. */
#define KMDFMIN_STUB
#include "pnpdrv.h"

WDFDEVICE KmdfPnpDevice;
WDFDRIVER KmdfPnpDriver;
static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];
static PDRIVER_UNLOAD FrameworkUnload;

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(VOID) { return STATUS_SUCCESS; }

/* WdfRegistryOpenKey (absolute, then relative to a WDFKEY) and WdfRegistryQueryValue. */
static ULONG CheckRegistryOpenKey(VOID)
{
    WDFKEY service, params, missing = (WDFKEY)1;
    WDFSTRING string;
    UNICODE_STRING name, sub, value, text;
    ULONG data = 0, length = 0, type = 0;
    USHORT small = 0;
    RtlInitUnicodeString(&name, L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\kmdfpnp");
    if (WdfRegistryOpenKey(NULL, &name, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &service) != STATUS_SUCCESS) return 11;
    RtlInitUnicodeString(&sub, L"NoSuchKey");
    if (WdfRegistryOpenKey(service, &sub, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &missing) != STATUS_OBJECT_NAME_NOT_FOUND || missing != NULL) return 12;
    RtlInitUnicodeString(&sub, L"Parameters");
    if (WdfRegistryOpenKey(service, &sub, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &params) != STATUS_SUCCESS) return 13;
    RtlInitUnicodeString(&value, L"Mode");
    if (WdfRegistryQueryValue(params, &value, sizeof(data), &data, &length, &type) != STATUS_SUCCESS || data != 0x55 || length != 4 || type != REG_DWORD) return 14;
    length = type = 0;
    if (WdfRegistryQueryValue(params, &value, sizeof(small), &small, &length, &type) != STATUS_BUFFER_OVERFLOW || small != 0 || length != 4 || type != REG_DWORD) return 15;
    length = 0;
    if (WdfRegistryQueryValue(params, &value, 0, NULL, &length, NULL) != STATUS_BUFFER_OVERFLOW || length != 4) return 16;
    RtlInitUnicodeString(&value, L"NoSuchValue");
    if (WdfRegistryQueryValue(params, &value, sizeof(data), &data, &length, &type) != STATUS_OBJECT_NAME_NOT_FOUND) return 17;
    /* WdfRegistryQueryString: a REG_SZ into a WDFSTRING (its NUL dropped); a REG_DWORD refused. */
    if (WdfStringCreate(NULL, WDF_NO_OBJECT_ATTRIBUTES, &string) != STATUS_SUCCESS) return 18;
    RtlInitUnicodeString(&value, L"Name");
    if (WdfRegistryQueryString(params, &value, string) != STATUS_SUCCESS) return 19;
    WdfStringGetUnicodeString(string, &text);
    if (text.Length != 14 || text.Buffer[0] != L'k' || text.Buffer[6] != L'p') return 20;
    RtlInitUnicodeString(&value, L"Mode");
    if (WdfRegistryQueryString(params, &value, string) != STATUS_OBJECT_TYPE_MISMATCH) return 21;
    WdfObjectDelete(string);
    WdfRegistryClose(params);
    WdfRegistryClose(service);
    return 0;
}

/* WdfDriverOpenParametersRegistryKey: <service key>\Parameters, seeded by kmdfpnp.reg (Mode = 0x55). */
static ULONG CheckParametersKey(VOID)
{
    WDFKEY key = (WDFKEY)1;
    ULONG value = 0;
    UNICODE_STRING name;
    WDF_OBJECT_ATTRIBUTES attributes;
    if (WdfDriverOpenParametersRegistryKey(KmdfPnpDriver, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key) != STATUS_SUCCESS || key == NULL) return 1;
    RtlInitUnicodeString(&name, L"Mode");
    if (WdfRegistryQueryULong(key, &name, &value) != STATUS_SUCCESS || value != 0x55) return 2;
    WdfRegistryClose(key);
    /* Write access: the framework creates Parameters under RegistryPath (here it exists already). */
    if (WdfDriverOpenParametersRegistryKey(KmdfPnpDriver, KEY_READ | KEY_SET_VALUE, WDF_NO_OBJECT_ATTRIBUTES, &key) != STATUS_SUCCESS) return 3;
    if (WdfRegistryQueryULong(key, &name, &value) != STATUS_SUCCESS || value != 0x55) return 4;
    /* A key left open is parented to the driver and goes with it. */
    /* Bad attributes: the framework's FxValidateObjectAttributes status, *Key NULLed. */
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.Size = 8;
    key = (WDFKEY)1;
    if (WdfDriverOpenParametersRegistryKey(KmdfPnpDriver, KEY_READ, &attributes, &key) != STATUS_INFO_LENGTH_MISMATCH || key != NULL) return 5;
    return CheckRegistryOpenKey();
}

/* WDFSTRING: the framework's own copy, an empty string, a malformed source refused. */
static ULONG CheckStrings(VOID)
{
    WDFSTRING string = (WDFSTRING)1, empty;
    UNICODE_STRING source, got;
    WCHAR text[] = L"KmdfPnp";
    RtlInitUnicodeString(&source, text);
    if (WdfStringCreate(&source, WDF_NO_OBJECT_ATTRIBUTES, &string) != STATUS_SUCCESS || string == NULL) return 1;
    text[0] = L'X'; /* the WDFSTRING does not see later changes of the source */
    WdfStringGetUnicodeString(string, &got);
    if (got.Length != 14 || got.Buffer == text || got.Buffer[0] != L'K' || got.Buffer[6] != L'p') return 2;
    WdfObjectDelete(string);
    if (WdfStringCreate(NULL, WDF_NO_OBJECT_ATTRIBUTES, &empty) != STATUS_SUCCESS) return 3;
    WdfStringGetUnicodeString(empty, &got);
    if (got.Length != 0) return 4;
    source.Length = 3;
    string = (WDFSTRING)1;
    if (WdfStringCreate(&source, WDF_NO_OBJECT_ATTRIBUTES, &string) != STATUS_INVALID_PARAMETER || string != NULL) return 5;
    return 0; /* the empty string is left to the driver object */
}

/* A system thread that waits (no timeout) for the unload, as real drivers' worker threads do: the
   wait parks the thread until KmdfPnpUnload signals it (a lesson of qcgpi850: on ARM64 a parked
   thread could not resume before). */
static KEVENT StopThread;
static PVOID Worker;
static VOID NTAPI WorkerRoutine(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeWaitForSingleObject(&StopThread, Executive, KernelMode, FALSE, NULL);
    DbgPrint("kmdfpnp: worker thread woke\n");
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static VOID NTAPI KmdfPnpUnload(PDRIVER_OBJECT DriverObject)
{
    if (Worker != NULL) {
        KeSetEvent(&StopThread, IO_NO_INCREMENT, FALSE);
        KeWaitForSingleObject(Worker, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(Worker);
    }
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
    WDF_DRIVER_CONFIG_INIT(&config, KmdfPnpEvtDeviceAdd);
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &KmdfPnpDriver);
    if (!NT_SUCCESS(status)) {
        KmdllWdfUnbind(&SavedRegistryPath);
        return status;
    }
    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = KmdfPnpUnload;
    DbgPrint("kmdfpnp: parameters check %u\n", CheckParametersKey());
    DbgPrint("kmdfpnp: string check %u\n", CheckStrings());
    {
        HANDLE thread;
        KeInitializeEvent(&StopThread, SynchronizationEvent, FALSE);
        if (NT_SUCCESS(PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, WorkerRoutine, NULL))) {
            if (!NT_SUCCESS(ObReferenceObjectByHandle(thread, THREAD_ALL_ACCESS, NULL, KernelMode, &Worker, NULL))) Worker = NULL;
            ZwClose(thread);
        }
    }
    return STATUS_SUCCESS;
}

/* A NULL PnpCapabilities: a WDF_VIOLATION. */
VOID NTAPI BadPnpCapsNull(VOID) { WdfDeviceSetPnpCapabilities(KmdfPnpDevice, NULL); }
/* A WDFDRIVER where a WDFDEVICE belongs: a WDF_VIOLATION. */
VOID NTAPI BadStopRemoveHandle(VOID) { WdfDeviceSetStaticStopRemove((WDFDEVICE)KmdfPnpDriver, FALSE); }
/* A NULL Key: a WDF_VIOLATION. */
VOID NTAPI BadParametersKeyNull(VOID) { WdfDriverOpenParametersRegistryKey(KmdfPnpDriver, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, NULL); }
/* A NULL KeyName: a WDF_VIOLATION. */
VOID NTAPI BadRegistryOpenKeyNull(VOID) { WDFKEY key; WdfRegistryOpenKey(NULL, NULL, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key); }
/* A NULL String: a WDF_VIOLATION. */
VOID NTAPI BadStringNull(VOID) { WdfStringCreate(NULL, WDF_NO_OBJECT_ATTRIBUTES, NULL); }
