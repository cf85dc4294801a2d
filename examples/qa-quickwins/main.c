/*
 * qaquickwins.sys — lessons from the held-out set fresh4 (issue 12): locking a driver's pageable
 * section (Microsoft Learn, wdm.h / ntddk.h: MmLockPagableCodeSection — a wdm.h macro for
 * MmLockPagableDataSection —, MmLockPagableSectionByHandle, MmUnlockPagableImageSection). Each
 * Test* export returns the number of failed checks (apitest.h's CHECK prints each failure).
 * ndis.c: the NDIS routines; x86only.c: x86 ntoskrnl's fastcall Interlocked* exports.
 */
#include "../include/apitest.h"

PDRIVER_OBJECT QwDriver;
PUNICODE_STRING QwRegistryPath;

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    QwDriver = DriverObject;
    QwRegistryPath = RegistryPath;
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

/* Pageable code and data (what `#pragma alloc_text(PAGE, ...)` / `data_seg("PAGEDATA")` produce). */
#define PAGED_CODE_SECTION __attribute__((section("PAGE"), noinline))
#define PAGED_DATA_SECTION __attribute__((section("PAGEDATA")))

PAGED_DATA_SECTION volatile LONG QwPagedData[4] = { 11, 12, 13, 14 };
PAGED_DATA_SECTION volatile LONG QwPagedOther = 21;
static volatile LONG QwResident = 5;

PAGED_CODE_SECTION LONG NTAPI QwPagedAdd(LONG a, LONG b)
{
    return a + b;
}

/* Locked: the section stays resident, so its code and data work at DISPATCH_LEVEL; one handle per
 * section, counted (lock twice, by handle once, unlock three times). */
__declspec(dllexport) ULONG TestLockPagable(void)
{
    ULONG failures = 0;
    KIRQL old;
    PVOID data = MmLockPagableDataSection((PVOID)&QwPagedData[1]);
    PVOID data2 = MmLockPagableDataSection((PVOID)&QwPagedOther);
    PVOID code = MmLockPagableCodeSection((PVOID)QwPagedAdd);
    PVOID resident = MmLockPagableDataSection((PVOID)&QwResident);
    CHECK(data != NULL && code != NULL && resident != NULL);
    CHECK(data == data2);          /* the same section, the same handle */
    CHECK(data != code && data != resident && code != resident);
    MmLockPagableSectionByHandle(data);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK(QwPagedData[2] == 13);
    QwPagedOther = 22;
    CHECK(QwPagedAdd(2, 3) == 5);
    CHECK(QwResident == 5);
    KeLowerIrql(old);
    /* Still locked after two of three unlocks. */
    MmUnlockPagableImageSection(data);
    MmUnlockPagableImageSection(data);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK(QwPagedData[3] == 14);
    KeLowerIrql(old);
    MmUnlockPagableImageSection(data);
    MmUnlockPagableImageSection(code);
    MmUnlockPagableImageSection(resident);
    return failures;
}

/* Invalid: unlocked as many times as locked, the section is pageable again: reading it at
 * DISPATCH_LEVEL is bug check 0xD1 (the verifier's pageable guard). */
__declspec(dllexport) ULONG TestLockPagableUnlocked(void)
{
    KIRQL old;
    LONG v;
    PVOID h = MmLockPagableDataSection((PVOID)&QwPagedData[0]);
    MmUnlockPagableImageSection(h);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    v = QwPagedData[0];
    KeLowerIrql(old);
    return v == 11 ? 0 : 1;
}

/* Invalid: more unlocks than locks (a warning; the count stays zero), and a handle no lock returned. */
__declspec(dllexport) ULONG TestUnlockTooMany(void)
{
    PVOID h = MmLockPagableDataSection((PVOID)&QwPagedData[0]);
    MmUnlockPagableImageSection(h);
    MmUnlockPagableImageSection(h);
    MmLockPagableSectionByHandle((PVOID)&QwResident);
    return 0;
}

/* Invalid: an address in no loaded driver image (a pool block) has no section to lock. */
__declspec(dllexport) ULONG TestLockNoImage(void)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 64, 'wQaQ');
    PVOID h;
    if (p == NULL) return 1;
    h = MmLockPagableDataSection(p);
    ExFreePoolWithTag(p, 'wQaQ');
    return h == NULL;
}

/* IoCreateUnprotectedSymbolicLink (Learn, wdm.h): a link as IoCreateSymbolicLink makes (only its
 * security differs); a second link of the same name is STATUS_OBJECT_NAME_COLLISION; IoDeleteSymbolicLink
 * removes it. */
__declspec(dllexport) ULONG TestUnprotectedLink(void)
{
    ULONG failures = 0;
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\DosDevices\\QaQuickwinsLink");
    UNICODE_STRING target = RTL_CONSTANT_STRING(L"\\Device\\QaQuickwins");
    CHECK(IoCreateUnprotectedSymbolicLink(&link, &target) == STATUS_SUCCESS);
    CHECK(IoCreateUnprotectedSymbolicLink(&link, &target) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(IoCreateSymbolicLink(&link, &target) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(IoDeleteSymbolicLink(&link) == STATUS_SUCCESS);
    CHECK(IoDeleteSymbolicLink(&link) == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures;
}

/* Invalid: MmLockPagableDataSection above APC_LEVEL (Learn: IRQL <= APC_LEVEL; DDI rule IrqlMmApcLte). */
__declspec(dllexport) ULONG TestLockAtDispatch(void)
{
    KIRQL old;
    PVOID h;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    h = MmLockPagableDataSection((PVOID)&QwResident);
    KeLowerIrql(old);
    MmUnlockPagableImageSection(h);
    return 0;
}
