/*
 * qalessons.sys — lessons from real signed drivers, each on our own code:
 *   - DriverObject->DriverSection is the driver's KLDR_DATA_TABLE_ENTRY (drivers set
 *     LDRP_IMAGE_INTEGRITY_FORCED in its Flags at 0x68 and read BaseDllName at 0x58);
 *   - RtlGetVersion fills the version whatever dwOSVersionInfoSize says (drivers leave it unset);
 *   - ZwQuerySystemInformation answers SystemKernelDebuggerInformation (35) and
 *     SystemCodeIntegrityInformation (103);
 *   - ExFreePoolWithTag(P, 0) checks no tag (it is what ExFreePool is);
 *   - a \Device\PhysicalMemory section handle has an object body (ObReferenceObjectByHandle);
 *   - a booted system's driver objects exist (\Driver\Kbdclass, \FileSystem\Ntfs);
 *   - a string RtlAnsiStringToUnicodeString allocated and never freed is reported, but is not a
 *     Driver Verifier finding; the driver's own pool is.
 * Layouts: KLDR_DATA_TABLE_ENTRY (x64) InLoadOrderLinks 0, DllBase 0x30, SizeOfImage 0x40,
 * BaseDllName 0x58, Flags 0x68 (public symbols, as ReactOS declares it).
 */
#include <ntifs.h>
#include "../include/apitest.h"

#define QA_TAG 'nsLQ'

typedef struct _KLDR_ENTRY {
    LIST_ENTRY InLoadOrderLinks;
    PVOID ExceptionTable;
    ULONG ExceptionTableSize;
    PVOID GpValue;
    PVOID NonPagedDebugInfo;
    PVOID DllBase;
    PVOID EntryPoint;
    ULONG SizeOfImage;
    UNICODE_STRING FullDllName;
    UNICODE_STRING BaseDllName;
    ULONG Flags;
    USHORT LoadCount;
} KLDR_ENTRY;

NTKERNELAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);
NTKERNELAPI NTSTATUS NTAPI ObReferenceObjectByName(PUNICODE_STRING ObjectName, ULONG Attributes, PACCESS_STATE AccessState,
    ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, PVOID ParseContext, PVOID *Object);
__declspec(dllimport) extern POBJECT_TYPE *IoDriverObjectType;

static PDRIVER_OBJECT g_Driver;

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    g_Driver = DriverObject;
    DriverObject->DriverUnload = NULL;
    return STATUS_SUCCESS;
}

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
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

int TestDriverSection(void)
{
    int failures = 0;
    KLDR_ENTRY *self, *e;
    UNICODE_STRING me, nt;
    BOOLEAN sawKernel = FALSE;
    int n = 0;

    g_Driver->DriverUnload = Unload;
    self = (KLDR_ENTRY *)g_Driver->DriverSection;
    CHECK(self != NULL);
    if (!self) return failures;
    RtlInitUnicodeString(&me, L"qalessons.sys");
    RtlInitUnicodeString(&nt, L"ntoskrnl.exe");
    CHECK(self->DllBase == g_Driver->DriverStart && self->SizeOfImage == g_Driver->DriverSize);
    CHECK(RtlEqualUnicodeString(&self->BaseDllName, &me, TRUE));
    /* The bit anti-cheat drivers set so ObRegisterCallbacks accepts them. */
    self->Flags |= 0x20;
    /* A circular list that reaches ntoskrnl.exe and comes back. */
    for (e = (KLDR_ENTRY *)self->InLoadOrderLinks.Flink; e != self && n < 64; e = (KLDR_ENTRY *)e->InLoadOrderLinks.Flink, n++)
        if (e->BaseDllName.Buffer && RtlEqualUnicodeString(&e->BaseDllName, &nt, TRUE)) sawKernel = TRUE;
    CHECK(n < 64 && sawKernel);
    return failures;
}

int TestVersionWithoutSize(void)
{
    int failures = 0;
    RTL_OSVERSIONINFOW v;
    RtlFillMemory(&v, sizeof(v), 0xcc);
    v.dwOSVersionInfoSize = 0xcccccccc;
    CHECK(RtlGetVersion(&v) == STATUS_SUCCESS);
    CHECK(v.dwMajorVersion == 10 && v.dwBuildNumber >= 10240 && v.dwPlatformId == 2);
    return failures;
}

int TestSystemInformation(void)
{
    int failures = 0;
    UCHAR debugger[2] = { 0xff, 0xff };
    ULONG ci[2] = { 8, 0 };
    ULONG len = 0;
    CHECK(ZwQuerySystemInformation(35, debugger, sizeof(debugger), &len) == STATUS_SUCCESS && len == 2);
    CHECK(debugger[0] == FALSE && debugger[1] == TRUE);
    CHECK(ZwQuerySystemInformation(35, debugger, 1, &len) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(ZwQuerySystemInformation(103, ci, sizeof(ci), &len) == STATUS_SUCCESS && ci[0] == 8 && (ci[1] & 1));
    return failures;
}

int TestFreeWithoutTag(void)
{
    int failures = 0;
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 32, QA_TAG);
    CHECK(p != NULL);
    if (p) ExFreePoolWithTag(p, 0);
    return failures;
}

int TestSectionObject(void)
{
    int failures = 0;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    HANDLE h = NULL;
    PVOID section = NULL, other = NULL;
    RtlInitUnicodeString(&name, L"\\Device\\PhysicalMemory");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwOpenSection(&h, SECTION_MAP_READ, &oa) == STATUS_SUCCESS);
    CHECK(ObReferenceObjectByHandle(h, SECTION_MAP_READ, NULL, KernelMode, &section, NULL) == STATUS_SUCCESS && section != NULL);
    CHECK(ObReferenceObjectByHandle(h, SECTION_MAP_READ, *IoDriverObjectType, KernelMode, &other, NULL) == STATUS_OBJECT_TYPE_MISMATCH && other == NULL);
    if (h) ZwClose(h);
    if (section) ObDereferenceObject(section);
    return failures;
}

int TestSystemDrivers(void)
{
    int failures = 0;
    UNICODE_STRING name;
    PDRIVER_OBJECT d = NULL;
    RtlInitUnicodeString(&name, L"\\Driver\\Kbdclass");
    CHECK(ObReferenceObjectByName(&name, OBJ_CASE_INSENSITIVE, NULL, 0, *IoDriverObjectType, KernelMode, NULL, (PVOID *)&d) == STATUS_SUCCESS && d != NULL);
    if (d) {
        CHECK(d->Type == IO_TYPE_DRIVER && d->MajorFunction[IRP_MJ_READ] != NULL);
        ObDereferenceObject(d);
    }
    RtlInitUnicodeString(&name, L"\\FileSystem\\Ntfs");
    CHECK(ObReferenceObjectByName(&name, OBJ_CASE_INSENSITIVE, NULL, 0, *IoDriverObjectType, KernelMode, NULL, (PVOID *)&d) == STATUS_SUCCESS);
    if (d) ObDereferenceObject(d);
    RtlInitUnicodeString(&name, L"\\Driver\\NoSuchDriverHere");
    CHECK(ObReferenceObjectByName(&name, OBJ_CASE_INSENSITIVE, NULL, 0, *IoDriverObjectType, KernelMode, NULL, (PVOID *)&d) == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures;
}

/* The string is never freed: reported at unload, not a verifier finding. */
int LeakKernelString(void)
{
    ANSI_STRING a;
    UNICODE_STRING u;
    RtlInitAnsiString(&a, "\\DosDevices\\QaLessons");
    return RtlAnsiStringToUnicodeString(&u, &a, TRUE) == STATUS_SUCCESS ? 0 : 1;
}

/* The driver's own allocation is never freed: a finding. */
int LeakOwnPool(void)
{
    return ExAllocatePoolWithTag(NonPagedPool, 48, QA_TAG) != NULL ? 0 : 1;
}
