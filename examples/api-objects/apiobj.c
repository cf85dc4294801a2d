/*
 * apiobj.sys — the object namespace and small kernel services, checked in C. Started as a
 * service: DriverEntry names a device \Device\ApiObj with the link \??\ApiObj.
 */
#include <ntifs.h>
#include "../include/apitest.h"

/* ntifs.h of the WDK (Microsoft Learn); missing from mingw-w64 10's headers. */
NTKERNELAPI NTSTATUS NTAPI ObReferenceObjectByName(PUNICODE_STRING ObjectName, ULONG Attributes, PACCESS_STATE AccessState,
    ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, PVOID ParseContext, PVOID *Object);
NTSYSAPI NTSTATUS NTAPI ZwOpenDirectoryObject(PHANDLE DirectoryHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes);
NTSYSAPI NTSTATUS NTAPI ZwQueryDirectoryObject(HANDLE DirectoryHandle, PVOID Buffer, ULONG Length, BOOLEAN ReturnSingleEntry,
    BOOLEAN RestartScan, PULONG Context, PULONG ReturnLength);
NTKERNELAPI BOOLEAN NTAPI ExIsProcessorFeaturePresent(ULONG ProcessorFeature);
NTKERNELAPI NTSTATUS NTAPI ExUuidCreate(UUID *Uuid);
NTKERNELAPI BOOLEAN NTAPI PsIsSystemProcess(PEPROCESS Process);
NTKERNELAPI PVOID NTAPI PsGetCurrentProcessWow64Process(VOID);
NTKERNELAPI VOID NTAPI KeSetEventBoostPriority(PRKEVENT Event, PRKTHREAD *Thread);
NTKERNELAPI BOOLEAN NTAPI KeIsExecutingDpc(VOID);

NTKERNELAPI NTSTATUS NTAPI ExGetFirmwareEnvironmentVariable(PUNICODE_STRING VariableName, LPGUID VendorGuid, PVOID Value, PULONG ValueLength, PULONG Attributes);
NTKERNELAPI NTSTATUS NTAPI ExSetFirmwareEnvironmentVariable(PUNICODE_STRING VariableName, LPGUID VendorGuid, PVOID Value, ULONG ValueLength, ULONG Attributes);
static const GUID GUID_DEVINTERFACE_DISK_FOR_TEST = { 0x53f56307, 0xb6bf, 0x11d0, { 0x94, 0xf2, 0x00, 0xa0, 0xc9, 0x1e, 0xfb, 0x8b } };

typedef struct _DIR_INFO {
    UNICODE_STRING Name;
    UNICODE_STRING TypeName;
} DIR_INFO;

static PDEVICE_OBJECT g_Device;
__declspec(dllimport) extern POBJECT_TYPE *IoDriverObjectType;

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING link;
    UNREFERENCED_PARAMETER(DriverObject);
    RtlInitUnicodeString(&link, L"\\??\\ApiObj");
    IoDeleteSymbolicLink(&link);
    if (g_Device) IoDeleteDevice(g_Device);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name, link;
    NTSTATUS st;
    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&name, L"\\Device\\ApiObj");
    RtlInitUnicodeString(&link, L"\\??\\ApiObj");
    st = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Device);
    if (!NT_SUCCESS(st)) return st;
    g_Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->DriverUnload = Unload;
    return IoCreateSymbolicLink(&link, &name);
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }

int TestNamespace(void)
{
    int failures = 0;
    UNICODE_STRING name, target;
    OBJECT_ATTRIBUTES oa;
    PVOID object = NULL;
    HANDLE h = NULL;
    WCHAR buffer[64];
    ULONG len = 0, context = 0, i;
    ULONG_PTR info[64];
    DIR_INFO *entries = (DIR_INFO *)info;
    BOOLEAN sawDevice = FALSE;

    /* By device name, and through the link. */
    RtlInitUnicodeString(&name, L"\\Device\\ApiObj");
    CHECK(ObReferenceObjectByName(&name, OBJ_CASE_INSENSITIVE, NULL, 0, NULL, KernelMode, NULL, &object) == STATUS_SUCCESS && object == g_Device);
    if (object) ObDereferenceObject(object);
    RtlInitUnicodeString(&name, L"\\??\\ApiObj");
    CHECK(ObReferenceObjectByName(&name, OBJ_CASE_INSENSITIVE, NULL, 0, NULL, KernelMode, NULL, &object) == STATUS_SUCCESS && object == g_Device);
    if (object) ObDereferenceObject(object);
    RtlInitUnicodeString(&name, L"\\Driver\\apiobj");
    CHECK(ObReferenceObjectByName(&name, OBJ_CASE_INSENSITIVE, NULL, 0, *IoDriverObjectType, KernelMode, NULL, &object) == STATUS_SUCCESS && object == g_Device->DriverObject);
    if (object) ObDereferenceObject(object);
    RtlInitUnicodeString(&name, L"\\Device\\Nothing");
    CHECK(ObReferenceObjectByName(&name, OBJ_CASE_INSENSITIVE, NULL, 0, NULL, KernelMode, NULL, &object) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* The link's target. */
    RtlInitUnicodeString(&name, L"\\??\\ApiObj");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwOpenSymbolicLinkObject(&h, GENERIC_READ, &oa) == STATUS_SUCCESS);
    target.Buffer = buffer;
    target.Length = 0;
    target.MaximumLength = 8;
    CHECK(ZwQuerySymbolicLinkObject(h, &target, &len) == STATUS_BUFFER_TOO_SMALL && len == 28);
    target.MaximumLength = sizeof(buffer);
    CHECK(ZwQuerySymbolicLinkObject(h, &target, &len) == STATUS_SUCCESS && target.Length == 28);
    RtlInitUnicodeString(&name, L"\\Device\\ApiObj");
    CHECK(RtlEqualUnicodeString(&target, &name, TRUE));
    ZwClose(h);

    /* \Device lists the device. */
    RtlInitUnicodeString(&name, L"\\Device");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwOpenDirectoryObject(&h, DIRECTORY_QUERY, &oa) == STATUS_SUCCESS);
    if (h) {
        NTSTATUS st = ZwQueryDirectoryObject(h, info, sizeof(info), FALSE, TRUE, &context, &len);
        CHECK(NT_SUCCESS(st));
        for (i = 0; NT_SUCCESS(st) && entries[i].Name.Buffer; i++) {
            UNICODE_STRING want, type;
            RtlInitUnicodeString(&want, L"ApiObj");
            RtlInitUnicodeString(&type, L"Device");
            if (RtlEqualUnicodeString(&entries[i].Name, &want, TRUE) && RtlEqualUnicodeString(&entries[i].TypeName, &type, FALSE)) sawDevice = TRUE;
        }
        CHECK(sawDevice);
        CHECK(ZwQueryDirectoryObject(h, info, sizeof(info), FALSE, FALSE, &context, &len) == STATUS_NO_MORE_ENTRIES);
        ZwClose(h);
    }
    RtlInitUnicodeString(&name, L"\\NoSuchDirectory");
    CHECK(ZwOpenDirectoryObject(&h, DIRECTORY_QUERY, &oa) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* Drive letters the way minifilters map volumes to DOS names: open \?? (the System process's
       DosDevices directory, \GLOBAL??), then each "X:" link relative to it (RootDirectory). */
    h = NULL;
    RtlInitUnicodeString(&name, L"\\??");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwOpenDirectoryObject(&h, DIRECTORY_QUERY, &oa) == STATUS_SUCCESS && h != NULL);
    if (h) {
        HANDLE link = NULL;
        RtlInitUnicodeString(&name, L"C:");
        InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, h, NULL);
        CHECK(ZwOpenSymbolicLinkObject(&link, GENERIC_READ, &oa) == STATUS_SUCCESS && link != NULL);
        if (link) {
            target.Buffer = buffer;
            target.Length = 0;
            target.MaximumLength = sizeof(buffer);
            CHECK(ZwQuerySymbolicLinkObject(link, &target, &len) == STATUS_SUCCESS);
            RtlInitUnicodeString(&name, L"\\Device\\HarddiskVolume1");
            CHECK(RtlEqualUnicodeString(&target, &name, TRUE));
            ZwClose(link);
        }
        /* The driver's own link is there too; a drive letter nobody created is not. */
        link = NULL;
        RtlInitUnicodeString(&name, L"ApiObj");
        CHECK(ZwOpenSymbolicLinkObject(&link, GENERIC_READ, &oa) == STATUS_SUCCESS && link != NULL);
        if (link) ZwClose(link);
        RtlInitUnicodeString(&name, L"Q:");
        CHECK(ZwOpenSymbolicLinkObject(&link, GENERIC_READ, &oa) == STATUS_OBJECT_NAME_NOT_FOUND);
        /* Relative to a directory the name must not start with a backslash. */
        RtlInitUnicodeString(&name, L"\\C:");
        CHECK(ZwOpenSymbolicLinkObject(&link, GENERIC_READ, &oa) == STATUS_OBJECT_PATH_SYNTAX_BAD);
        ZwClose(h);
        /* A closed handle as RootDirectory. */
        RtlInitUnicodeString(&name, L"C:");
        CHECK(ZwOpenSymbolicLinkObject(&link, GENERIC_READ, &oa) == STATUS_INVALID_HANDLE);
    }
    return failures;
}

int TestQueues(void)
{
    int failures = 0;
    static KQUEUE q;
    LIST_ENTRY a, b, c;
    PLIST_ENTRY e;
    LARGE_INTEGER zero, wait;

    KeInitializeQueue(&q, 1);
    CHECK(KeReadStateQueue(&q) == 0);
    CHECK(KeInsertQueue(&q, &a) == 0);
    CHECK(KeInsertQueue(&q, &b) == 1);
    CHECK(KeInsertHeadQueue(&q, &c) == 2);
    e = KeRemoveQueue(&q, KernelMode, NULL);
    CHECK(e == &c && KeReadStateQueue(&q) == 2);
    e = KeRundownQueue(&q);
    CHECK(e == &a && e->Flink == &b && KeReadStateQueue(&q) == 0);
    zero.QuadPart = 0;
    CHECK(KeRemoveQueue(&q, KernelMode, &zero) == (PLIST_ENTRY)(ULONG_PTR)STATUS_TIMEOUT);
    wait.QuadPart = -10000;
    CHECK(KeRemoveQueue(&q, KernelMode, &wait) == (PLIST_ENTRY)(ULONG_PTR)STATUS_TIMEOUT);
    CHECK(KeRundownQueue(&q) == NULL);
    return failures;
}

int TestServices(void)
{
    int failures = 0;
    KEVENT ev;
    UUID u1, u2;
    ULONGLONG t1, t2;
    KDPC_WATCHDOG_INFORMATION wd;
    LARGE_INTEGER delay;

    KeInitializeEvent(&ev, NotificationEvent, TRUE);
    CHECK(KePulseEvent(&ev, IO_NO_INCREMENT, FALSE) == 1 && KeReadStateEvent(&ev) == 0);
    KeSetEventBoostPriority(&ev, NULL);
    CHECK(KeReadStateEvent(&ev) == 1);
    t1 = KeQueryUnbiasedInterruptTime();
    delay.QuadPart = -20000;
    KeDelayExecutionThread(KernelMode, FALSE, &delay);
    t2 = KeQueryUnbiasedInterruptTime();
    CHECK(t2 - t1 >= 20000);
    CHECK(KeGetRecommendedSharedDataAlignment() == 64);
    CHECK(KeInvalidateAllCaches() == TRUE);
    CHECK(KeQueryHighestNodeNumber() == 0);
    CHECK(KeIsExecutingDpc() == FALSE);
    CHECK(KeQueryDpcWatchdogInformation(&wd) == STATUS_SUCCESS && wd.DpcTimeLimit != 0);
    CHECK(ExUuidCreate(&u1) == STATUS_SUCCESS && ExUuidCreate(&u2) == STATUS_SUCCESS);
    CHECK(RtlCompareMemory(&u1, &u2, sizeof(UUID)) != sizeof(UUID));
    CHECK((u1.Data3 >> 12) == 4 && (u1.Data4[0] & 0xC0) == 0x80);
    CHECK(ExSetTimerResolution(0, FALSE) == 156250);
    CHECK(ExIsProcessorFeaturePresent(PF_NX_ENABLED) == TRUE && ExIsProcessorFeaturePresent(PF_3DNOW_INSTRUCTIONS_AVAILABLE) == FALSE);
    CHECK(PsIsSystemProcess(PsGetCurrentProcess()) == TRUE);
    CHECK(PsGetCurrentProcessWow64Process() == NULL);
    {
        UNICODE_STRING var;
        ULONG len = 4, attr = 0;
        UCHAR value[4];
        PWSTR links = NULL;
        PCONFIGURATION_INFORMATION ci = IoGetConfigurationInformation();
        CHECK(ci != NULL && ci->DiskCount == 0 && ci->Version == sizeof(CONFIGURATION_INFORMATION));
        CHECK(IoGetDeviceInterfaces(&GUID_DEVINTERFACE_DISK_FOR_TEST, NULL, 0, &links) == STATUS_SUCCESS && links != NULL && links[0] == 0);
        if (links) ExFreePool(links);
        RtlInitUnicodeString(&var, L"BootOrder");
        /* A BIOS machine: no firmware variables. */
        CHECK(ExGetFirmwareEnvironmentVariable(&var, (LPGUID)&GUID_DEVINTERFACE_DISK_FOR_TEST, value, &len, &attr) == STATUS_NOT_IMPLEMENTED);
        CHECK(ExSetFirmwareEnvironmentVariable(&var, (LPGUID)&GUID_DEVINTERFACE_DISK_FOR_TEST, value, len, attr) == STATUS_NOT_IMPLEMENTED);
    }
    return failures;
}
