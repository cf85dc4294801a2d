/*
 * qalstar.sys — each Test* export returns the number of failed checks (apitest.h's CHECK prints
 * each failure). See lstar.h for the structures and the service numbers.
 */
#include "lstar.h"

static NTSTATUS OpenSystemKey(void)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System");
    OBJECT_ATTRIBUTES oa;
    HANDLE key = NULL;
    NTSTATUS st;
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    st = ZwOpenKey(&key, KEY_READ, &oa);
    if (NT_SUCCESS(st)) ZwClose(key);
    return st;
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

/* LSTAR, the lea pair, the two descriptors. */
__declspec(dllexport) ULONG TestFindTables(void)
{
    ULONG failures = 0;
    SERVICE_TABLES t;
    CHECK(FindServiceTables(&t));
    if (t.Table == NULL) return failures;
    CHECK(t.KiSystemCall64[0] == 0x0F && t.KiSystemCall64[1] == 0x01 && t.KiSystemCall64[2] == 0xF8); /* swapgs */
    CHECK(t.LeaR10 > t.KiSystemCall64 && t.LeaR10 < t.KiSystemCall64 + 0x500);
    /* The service number's mask before the pair: and eax, 0FFFh. */
    CHECK(t.LeaR10[-5] == 0x25 && *(PULONG)(t.LeaR10 - 4) == 0xFFF);
    CHECK(t.Table->NumberOfServices == SVC_COUNT_19045);
    CHECK(t.Table->ServiceCounterTableBase == NULL);
    CHECK(t.Table->ParamTableBase != NULL);
    /* The shadow table's first entry is the kernel's; its second is win32k's. */
    CHECK(t.Shadow != t.Table);
    CHECK(t.Shadow[0].ServiceTableBase == t.Table->ServiceTableBase);
    CHECK(t.Shadow[0].NumberOfServices == t.Table->NumberOfServices);
    CHECK(t.Shadow[1].ServiceTableBase != NULL);
    /* A number past the table: no routine. */
    CHECK(ServiceRoutine(t.Table, SVC_COUNT_19045) == NULL);
    return failures;
}

/* Decoded entries are the Nt routines; the low 4 bits and ParamTableBase count stack arguments. */
__declspec(dllexport) ULONG TestResolveRoutines(void)
{
    ULONG failures = 0;
    SERVICE_TABLES t;
    UNICODE_STRING ntClose = RTL_CONSTANT_STRING(L"NtClose");
    UNICODE_STRING zwOpenKey = RTL_CONSTANT_STRING(L"ZwOpenKey");
    PVOID openKey;
    CHECK(FindServiceTables(&t));
    if (t.Table == NULL) return failures;
    CHECK(ServiceRoutine(t.Table, SVC_NTCLOSE) == MmGetSystemRoutineAddress(&ntClose));
    openKey = ServiceRoutine(t.Table, SVC_NTOPENKEY);
    CHECK(openKey != NULL);
    /* NtOpenKey is not exported on x64; the table's routine is not the Zw export. */
    CHECK(openKey != MmGetSystemRoutineAddress(&zwOpenKey));
    CHECK(StackArguments(t.Table, SVC_NTOPENKEY) == 0);
    CHECK(StackArguments(t.Table, SVC_NTCREATEFILE) == 7);
    CHECK(t.Table->ParamTableBase[SVC_NTCREATEFILE] == 7 * 8);
    /* Calling the routine the table names is NtOpenKey. */
    if (openKey != NULL) {
        UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System");
        OBJECT_ATTRIBUTES oa;
        HANDLE key = NULL;
        InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
        CHECK(((NTOPENKEY)openKey)(&key, KEY_READ, &oa) == STATUS_SUCCESS);
        if (key != NULL) ZwClose(key);
    }
    CHECK(OpenSystemKey() == STATUS_SUCCESS);
    return failures;
}

/* Hook NtOpenKey's entry, see the hook run on ZwOpenKey (and call the original), restore it, see it no more. */
__declspec(dllexport) ULONG TestHookRunsAndRestores(void)
{
    ULONG failures = 0;
    SERVICE_TABLES t;
    PVOID original;
    CHECK(FindServiceTables(&t));
    if (t.Table == NULL) return failures;
    original = ServiceRoutine(t.Table, SVC_NTOPENKEY);
    HookCalls = 0;
    HookDenies = FALSE;
    CHECK(HookNtOpenKey(t.Table));
    CHECK((PVOID)OriginalNtOpenKey == original);
    CHECK(ServiceRoutine(t.Table, SVC_NTOPENKEY) != original);
    CHECK(OpenSystemKey() == STATUS_SUCCESS);
    CHECK(HookCalls == 1);
    CHECK(UnhookNtOpenKey(t.Table));
    CHECK(ServiceRoutine(t.Table, SVC_NTOPENKEY) == original);
    CHECK(OpenSystemKey() == STATUS_SUCCESS);
    CHECK(HookCalls == 1);
    return failures;
}

/* A hook that answers itself (the rootkit's hiding): ZwOpenKey's caller gets its status. */
__declspec(dllexport) ULONG TestHookDenies(void)
{
    ULONG failures = 0;
    SERVICE_TABLES t;
    CHECK(FindServiceTables(&t));
    if (t.Table == NULL) return failures;
    HookCalls = 0;
    HookDenies = TRUE;
    CHECK(HookNtOpenKey(t.Table));
    CHECK(OpenSystemKey() == STATUS_ACCESS_DENIED);
    CHECK(HookCalls == 1);
    CHECK(UnhookNtOpenKey(t.Table));
    HookDenies = FALSE;
    CHECK(OpenSystemKey() == STATUS_SUCCESS);
    CHECK(HookCalls == 1);
    return failures;
}

/* The bug: a hook still installed when the driver unloads (kmdll reports it at the stop). */
__declspec(dllexport) ULONG TestLeaveHookInstalled(void)
{
    ULONG failures = 0;
    SERVICE_TABLES t;
    CHECK(FindServiceTables(&t));
    if (t.Table == NULL) return failures;
    CHECK(HookNtOpenKey(t.Table));
    return failures;
}
