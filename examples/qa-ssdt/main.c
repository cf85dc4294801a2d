/*
 * qassdt.sys — the x86 system service table as rootkit.com-era drivers use it. Each Test* export
 * returns the number of failed checks (apitest.h's CHECK prints each failure).
 *
 * The idiom (rootkit.com's "SSDT hooking" articles; Hoglund & Butler, "Rootkits: Subverting the
 * Windows Kernel", ch. 4): the exported KeServiceDescriptorTable is a SERVICE_DESCRIPTOR_ENTRY
 * { ServiceTableBase, ServiceCounterTableBase, NumberOfServices, ParamTableBase } (ReactOS ndk:
 * KSERVICE_TABLE_DESCRIPTOR { Base, Count, Limit, Number }); every Zw export starts with
 * `mov eax, <service number>` (B8 imm32), so the number is *(PULONG)((PUCHAR)ZwXxx + 1); a hook is
 * a store into ServiceTableBase[number] through an MDL mapping of the table (its page is read
 * only), undone before unload. ZwOpenKey: NtOpenKey is service 0xB6 on Windows 7 SP1 x86
 * (j00ru.vexillium.org/syscalls/nt/32/), three arguments (12 bytes).
 */
#include <ntddk.h>
#include "../include/apitest.h"

#pragma pack(push, 1)
typedef struct _SERVICE_DESCRIPTOR_ENTRY {
    PULONG ServiceTableBase;
    PULONG ServiceCounterTableBase;
    ULONG NumberOfServices;
    PUCHAR ParamTableBase;
} SERVICE_DESCRIPTOR_ENTRY, *PSERVICE_DESCRIPTOR_ENTRY;
#pragma pack(pop)

__declspec(dllimport) SERVICE_DESCRIPTOR_ENTRY KeServiceDescriptorTable;

#define SYSCALL_INDEX(f) (*(PULONG)((PUCHAR)(f) + 1))
#define SYSTEMSERVICE(f) KeServiceDescriptorTable.ServiceTableBase[SYSCALL_INDEX(f)]

typedef NTSTATUS (NTAPI *ZWOPENKEY)(PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES);

static ZWOPENKEY OldZwOpenKey;
static LONG HookCalls;
static BOOLEAN HookDenies;
static PMDL TableMdl;
static PULONG MappedTable;

static NTSTATUS NTAPI NewZwOpenKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes)
{
    InterlockedIncrement(&HookCalls);
    if (HookDenies) return STATUS_ACCESS_DENIED;
    return OldZwOpenKey(KeyHandle, DesiredAccess, ObjectAttributes);
}

/* Map the table writable through an MDL (the table's own page is read only). */
static BOOLEAN MapTable(void)
{
    TableMdl = IoAllocateMdl(KeServiceDescriptorTable.ServiceTableBase, KeServiceDescriptorTable.NumberOfServices * 4, FALSE, FALSE, NULL);
    if (TableMdl == NULL) return FALSE;
    MmBuildMdlForNonPagedPool(TableMdl);
    TableMdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    MappedTable = (PULONG)MmMapLockedPages(TableMdl, KernelMode);
    return MappedTable != NULL;
}

static void UnmapTable(void)
{
    if (MappedTable != NULL) MmUnmapLockedPages(MappedTable, TableMdl);
    if (TableMdl != NULL) IoFreeMdl(TableMdl);
    MappedTable = NULL;
    TableMdl = NULL;
}

static void Hook(void)
{
    OldZwOpenKey = (ZWOPENKEY)InterlockedExchange((PLONG)&MappedTable[SYSCALL_INDEX(ZwOpenKey)], (LONG)NewZwOpenKey);
}

static void Unhook(void)
{
    InterlockedExchange((PLONG)&MappedTable[SYSCALL_INDEX(ZwOpenKey)], (LONG)OldZwOpenKey);
}

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

static PDRIVER_OBJECT TheDriver;

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    TheDriver = DriverObject;
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

/* The stub's first instruction, the number, the descriptor's fields. */
__declspec(dllexport) ULONG TestServiceNumberAndTable(void)
{
    ULONG failures = 0;
    PUCHAR stub = (PUCHAR)ZwOpenKey;
    ULONG n = SYSCALL_INDEX(ZwOpenKey);
    CHECK(stub[0] == 0xB8); /* mov eax, imm32 */
    CHECK(n == 0xB6);
    CHECK(SYSCALL_INDEX(ZwClose) == 0x32);
    CHECK(SYSCALL_INDEX(ZwQueryValueKey) == 0x10A);
    CHECK(KeServiceDescriptorTable.NumberOfServices == 0x191);
    CHECK(n < KeServiceDescriptorTable.NumberOfServices);
    CHECK(KeServiceDescriptorTable.ServiceTableBase != NULL);
    CHECK(KeServiceDescriptorTable.ParamTableBase != NULL);
    if (KeServiceDescriptorTable.ParamTableBase != NULL) CHECK(KeServiceDescriptorTable.ParamTableBase[n] == 12);
    if (KeServiceDescriptorTable.ServiceTableBase != NULL) CHECK(KeServiceDescriptorTable.ServiceTableBase[n] != 0);
    /* The Zw stub is not the Nt routine the table names. */
    if (KeServiceDescriptorTable.ServiceTableBase != NULL) CHECK(SYSTEMSERVICE(ZwOpenKey) != (ULONG)ZwOpenKey);
    CHECK(OpenSystemKey() == STATUS_SUCCESS);
    return failures;
}

/* Hook ZwOpenKey's entry, see the hook run (and call the original), restore it, see it no more. */
__declspec(dllexport) ULONG TestHookRunsAndRestores(void)
{
    ULONG failures = 0;
    ULONG original;
    CHECK(MapTable());
    if (MappedTable == NULL) return failures;
    original = SYSTEMSERVICE(ZwOpenKey);
    HookCalls = 0;
    HookDenies = FALSE;
    Hook();
    CHECK((ULONG)OldZwOpenKey == original);
    CHECK(SYSTEMSERVICE(ZwOpenKey) == (ULONG)NewZwOpenKey);
    CHECK(OpenSystemKey() == STATUS_SUCCESS);
    CHECK(HookCalls == 1);
    Unhook();
    CHECK(SYSTEMSERVICE(ZwOpenKey) == original);
    CHECK(OpenSystemKey() == STATUS_SUCCESS);
    CHECK(HookCalls == 1);
    UnmapTable();
    return failures;
}

/* A hook that answers itself (the rootkit's hiding): the caller of ZwOpenKey gets its status. */
__declspec(dllexport) ULONG TestHookDenies(void)
{
    ULONG failures = 0;
    CHECK(MapTable());
    if (MappedTable == NULL) return failures;
    HookCalls = 0;
    HookDenies = TRUE;
    Hook();
    CHECK(OpenSystemKey() == STATUS_ACCESS_DENIED);
    CHECK(HookCalls == 1);
    Unhook();
    HookDenies = FALSE;
    CHECK(OpenSystemKey() == STATUS_SUCCESS);
    CHECK(HookCalls == 1);
    UnmapTable();
    return failures;
}

/* The bug: a hook still installed when the driver unloads (kmdll reports it at the stop). */
__declspec(dllexport) ULONG TestLeaveHookInstalled(void)
{
    ULONG failures = 0;
    CHECK(MapTable());
    if (MappedTable == NULL) return failures;
    Hook();
    UnmapTable();
    return failures;
}
