/*
 * apiboot.sys — DriverEntry, the checks' bookkeeping and the ELAM boot driver callback.
 * DriverEntry runs every part; DriverUnload tears them down and prints the totals
 * ("apiboot: N checks, M failures"), which the test reads.
 */
#include "apiboot.h"

ULONG g_Checks, g_Failures;
static PDEVICE_OBJECT g_Device;
static PVOID g_Elam;
static ULONG g_ElamCalls;
static UCHAR g_ElamContext;

VOID Check(BOOLEAN ok, PCSTR what)
{
    g_Checks++;
    if (!ok) {
        g_Failures++;
        DbgPrint("apiboot: FAILED %s\n", what);
    }
}

ULONG ReadMode(PUNICODE_STRING RegistryPath)
{
    OBJECT_ATTRIBUTES oa;
    HANDLE key;
    UNICODE_STRING name;
    UCHAR buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    ULONG got = 0, mode = ModeNormal;

    InitializeObjectAttributes(&oa, RegistryPath, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    if (!NT_SUCCESS(ZwOpenKey(&key, KEY_READ, &oa)))
        return ModeNormal;
    RtlInitUnicodeString(&name, L"Mode");
    if (NT_SUCCESS(ZwQueryValueKey(key, &name, KeyValuePartialInformation, info, sizeof(buffer), &got)) &&
        info->Type == REG_DWORD && info->DataLength == sizeof(ULONG))
        mode = *(ULONG UNALIGNED *)info->Data;
    ZwClose(key);
    return mode;
}

/* Called by the kernel while boot drivers initialise; never after boot (the test checks 0 calls). */
static VOID ElamCallback(PVOID Context, BDCB_CALLBACK_TYPE Classification, PVOID Image)
{
    UNREFERENCED_PARAMETER(Classification);
    UNREFERENCED_PARAMETER(Image);
    if (Context == &g_ElamContext)
        g_ElamCalls++;
}

VOID TestElam(ULONG mode)
{
    UNREFERENCED_PARAMETER(mode);
    Check(IoRegisterBootDriverCallback(NULL, NULL) == NULL, "IoRegisterBootDriverCallback(NULL) is NULL");
    g_Elam = IoRegisterBootDriverCallback(ElamCallback, &g_ElamContext);
    Check(g_Elam != NULL, "IoRegisterBootDriverCallback returns a handle");
}

VOID ElamUnload(VOID)
{
    if (g_Elam != NULL)
        IoUnregisterBootDriverCallback(g_Elam);
    g_Elam = NULL;
}

static VOID DriverUnload(PDRIVER_OBJECT DriverObject)
{
    RegistryWatchReport();
    PowerUnload();
    MiscUnload();
    if (g_Device != NULL && DriverObject->DeviceObject != NULL)
        IoDeleteDevice(g_Device);
    DbgPrint("apiboot: elam calls %lu\n", g_ElamCalls);
    DbgPrint("apiboot: %lu checks, %lu failures\n", g_Checks, g_Failures);
}

static VOID DriverUnloadLeavingElam(PDRIVER_OBJECT DriverObject)
{
    g_Elam = NULL; /* forget it: the registration stays behind */
    DriverUnload(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;
    NTSTATUS status;
    ULONG mode = ReadMode(RegistryPath);

    RtlInitUnicodeString(&name, L"\\Device\\ApiBoot");
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Device);
    if (!NT_SUCCESS(status))
        return status;
    DriverObject->DriverUnload = mode == ModeLeaveElam ? DriverUnloadLeavingElam : DriverUnload;

    TestElam(mode);
    TestPower(g_Device, mode);
    TestCounters();
    TestRegistryWatch(RegistryPath, mode);
    TestMisc(g_Device, mode);
    if (mode != ModeLeaveElam)
        ElamUnload();
    DbgPrint("apiboot: DriverEntry %lu checks, %lu failures\n", g_Checks, g_Failures);
    return STATUS_SUCCESS;
}
