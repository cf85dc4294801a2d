/*
 * qafresh3.sys — lessons from a third held-out set of real drivers (/work/wt/qa-fresh3.md).
 * Each Test* export returns the number of failed checks (apitest.h's CHECK prints each failure).
 *
 * mingw-w64 10 has no NDIS 6 ndis.h, so the read/write lock declarations are written here from
 * Microsoft Learn's reference pages (ndis.h: NdisAllocateRWLock, NdisFreeRWLock,
 * NdisAcquireRWLockRead, NdisAcquireRWLockWrite, NdisReleaseRWLock, LOCK_STATE_EX with the old
 * IRQL first; NDIS_RW_LOCK_EX is opaque). NTAPI: stdcall on x86, as the WDK builds drivers (/Gz)
 * and as ndis.sys exports them (_NdisAllocateRWLock@4 in Ndis.lib).
 */
#include <ntddk.h>
#include "../include/apitest.h"

typedef PVOID NDIS_HANDLE;
typedef struct _NDIS_RW_LOCK_EX NDIS_RW_LOCK_EX, *PNDIS_RW_LOCK_EX;
typedef struct _LOCK_STATE_EX {
    KIRQL OldIrql;
    UCHAR LockState;
    UCHAR Flags;
} LOCK_STATE_EX, *PLOCK_STATE_EX;
#define NDIS_RWL_AT_DISPATCH_LEVEL 1

__declspec(dllimport) PNDIS_RW_LOCK_EX NTAPI NdisAllocateRWLock(NDIS_HANDLE NdisHandle);
__declspec(dllimport) void NTAPI NdisFreeRWLock(PNDIS_RW_LOCK_EX Lock);
__declspec(dllimport) void NTAPI NdisAcquireRWLockRead(PNDIS_RW_LOCK_EX Lock, PLOCK_STATE_EX LockState, UCHAR Flags);
__declspec(dllimport) void NTAPI NdisAcquireRWLockWrite(PNDIS_RW_LOCK_EX Lock, PLOCK_STATE_EX LockState, UCHAR Flags);
__declspec(dllimport) void NTAPI NdisReleaseRWLock(PNDIS_RW_LOCK_EX Lock, PLOCK_STATE_EX LockState);

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

/* Stands for the handle NdisFRegisterFilterDriver would give (NDIS keeps the lock for it). */
static UCHAR FakeFilterHandle[16];
static PNDIS_RW_LOCK_EX Leaked;

/* Read and write, each recursive on this processor; every acquisition raises to DISPATCH_LEVEL
 * and its release restores the IRQL its LOCK_STATE_EX kept (PASSIVE_LEVEL, then APC_LEVEL). */
__declspec(dllexport) ULONG TestNdisRwLock(void)
{
    ULONG failures = 0;
    LOCK_STATE_EX outer, inner;
    KIRQL old;
    PNDIS_RW_LOCK_EX lock = NdisAllocateRWLock(FakeFilterHandle);
    CHECK(lock != NULL);
    if (lock == NULL) return failures;
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);

    NdisAcquireRWLockRead(lock, &outer, 0);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    CHECK(outer.OldIrql == PASSIVE_LEVEL);
    NdisAcquireRWLockRead(lock, &inner, NDIS_RWL_AT_DISPATCH_LEVEL);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisReleaseRWLock(lock, &inner);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisReleaseRWLock(lock, &outer);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);

    NdisAcquireRWLockWrite(lock, &outer, 0);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisAcquireRWLockWrite(lock, &inner, NDIS_RWL_AT_DISPATCH_LEVEL);
    NdisReleaseRWLock(lock, &inner);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisReleaseRWLock(lock, &outer);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);

    KeRaiseIrql(APC_LEVEL, &old);
    NdisAcquireRWLockWrite(lock, &outer, 0);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    CHECK(outer.OldIrql == APC_LEVEL);
    NdisReleaseRWLock(lock, &outer);
    CHECK(KeGetCurrentIrql() == APC_LEVEL);
    KeLowerIrql(old);

    /* At DISPATCH_LEVEL already, as a filter's send path: the flag leaves the IRQL alone. */
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisAcquireRWLockRead(lock, &outer, NDIS_RWL_AT_DISPATCH_LEVEL);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisReleaseRWLock(lock, &outer);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    KeLowerIrql(old);

    NdisFreeRWLock(lock);
    return failures;
}

/* Invalid: read cannot be upgraded to write on the same processor (Learn: NdisAcquireRWLockWrite
 * "must not attempt to acquire write access ... until the previous read access is released"). */
__declspec(dllexport) ULONG TestNdisRwLockUpgrade(void)
{
    LOCK_STATE_EX r, w;
    PNDIS_RW_LOCK_EX lock = NdisAllocateRWLock(FakeFilterHandle);
    if (lock == NULL) return 1;
    NdisAcquireRWLockRead(lock, &r, 0);
    NdisAcquireRWLockWrite(lock, &w, NDIS_RWL_AT_DISPATCH_LEVEL); /* spins forever on Windows */
    NdisReleaseRWLock(lock, &w);
    NdisReleaseRWLock(lock, &r);
    NdisFreeRWLock(lock);
    return 0;
}

/* Invalid: a lock never freed stays in nonpaged pool after the driver unloads. */
__declspec(dllexport) ULONG TestNdisRwLockLeak(void)
{
    Leaked = NdisAllocateRWLock(FakeFilterHandle);
    return Leaked == NULL;
}

/* sidt stores the IDT register: the same 256-gate table as the KPCR's (ntddk.h's KPCR: x64
 * IdtBase at gs:[0x38], 16-byte gates, selector 0x10; x86 IDT at fs:[0x38], 8-byte gates,
 * selector 0x08), limit 256 * gate size - 1. Rainware.sys (fresh3) int3s when sidt gives a zero
 * base. */
#pragma pack(push, 1)
typedef struct _QF3_DESCRIPTOR_TABLE {
    USHORT Limit;
    ULONG_PTR Base;
} QF3_DESCRIPTOR_TABLE;
#pragma pack(pop)

__declspec(dllexport) ULONG TestSidt(void)
{
    ULONG failures = 0;
    QF3_DESCRIPTOR_TABLE idtr = { 0, 0 };
#ifdef _WIN64
    const ULONG_PTR kpcrIdt = (ULONG_PTR)__readgsqword(0x38);
    const USHORT gate = 16, selector = 0x10;
#else
    const ULONG_PTR kpcrIdt = (ULONG_PTR)__readfsdword(0x38);
    const USHORT gate = 8, selector = 0x08;
#endif
    __asm__ volatile("sidt %0" : "=m"(idtr));
    CHECK(idtr.Base != 0);
    CHECK(idtr.Base == kpcrIdt);
    CHECK(idtr.Limit == 256 * gate - 1);
    if (idtr.Base == 0) return failures;
    /* Vector 0's gate: present, DPL 0, 32/64-bit interrupt gate (type 0xE), kernel code selector. */
    CHECK(*(USHORT *)(idtr.Base + 2) == selector);
    CHECK((*(USHORT *)(idtr.Base + 4) & 0xff00) == 0x8e00);
    return failures;
}

/* The registry's CentralProcessor\0 key says what CPUID says, as Windows writes it at boot:
 * VendorIdentifier = the leaf-0 vendor string, Identifier = "<arch> Family F Model M Stepping S"
 * from leaf 1's EAX (display family/model with the extended fields for family 6 and 15).
 * CpuTempMonitor.sys (fresh3) reads CPUID's vendor; kmdll's registry used to disagree. */
static void Qf3Cpuid(ULONG leaf, ULONG r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static NTSTATUS Qf3ReadSz(HANDLE key, PCWSTR name, WCHAR *out, ULONG outChars)
{
    UCHAR buf[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + 128];
    KEY_VALUE_PARTIAL_INFORMATION *v = (KEY_VALUE_PARTIAL_INFORMATION *)buf;
    UNICODE_STRING n;
    ULONG len = 0, i, chars;
    NTSTATUS st;
    RtlInitUnicodeString(&n, name);
    st = ZwQueryValueKey(key, &n, KeyValuePartialInformation, v, sizeof(buf), &len);
    if (!NT_SUCCESS(st)) return st;
    if (v->Type != REG_SZ) return STATUS_OBJECT_TYPE_MISMATCH;
    chars = v->DataLength / sizeof(WCHAR);
    for (i = 0; i + 1 < outChars && i < chars && ((WCHAR *)v->Data)[i]; i++) out[i] = ((WCHAR *)v->Data)[i];
    out[i] = 0;
    return STATUS_SUCCESS;
}

/* The decimal number after `word` in `s`, or -1. */
static LONG Qf3NumberAfter(const WCHAR *s, const WCHAR *word)
{
    ULONG i, j;
    for (i = 0; s[i]; i++) {
        for (j = 0; word[j] && s[i + j] == word[j]; j++) {}
        if (!word[j]) {
            LONG v = -1;
            for (j = i + j; s[j] >= L'0' && s[j] <= L'9'; j++) v = (v < 0 ? 0 : v * 10) + (s[j] - L'0');
            return v;
        }
    }
    return -1;
}

__declspec(dllexport) ULONG TestCpuIdentity(void)
{
    ULONG failures = 0, r[4], i, family, model;
    char vendor[13];
    WCHAR regVendor[32], ident[64];
    UNICODE_STRING path;
    OBJECT_ATTRIBUTES oa;
    HANDLE key;
    NTSTATUS st;
    Qf3Cpuid(0, r);
    RtlCopyMemory(vendor, &r[1], 4);
    RtlCopyMemory(vendor + 4, &r[3], 4);
    RtlCopyMemory(vendor + 8, &r[2], 4);
    vendor[12] = 0;
    RtlInitUnicodeString(&path, L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0");
    InitializeObjectAttributes(&oa, &path, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    st = ZwOpenKey(&key, KEY_READ, &oa);
    CHECK(NT_SUCCESS(st));
    if (!NT_SUCCESS(st)) return failures;
    CHECK(NT_SUCCESS(Qf3ReadSz(key, L"VendorIdentifier", regVendor, 32)));
    for (i = 0; i < 12; i++) CHECK(regVendor[i] == (WCHAR)vendor[i]);
    CHECK(regVendor[12] == 0);
    CHECK(NT_SUCCESS(Qf3ReadSz(key, L"Identifier", ident, 64)));
    ZwClose(key);
    Qf3Cpuid(1, r);
    family = (r[0] >> 8) & 0xf;
    model = (r[0] >> 4) & 0xf;
    if (family == 0xf) family += (r[0] >> 20) & 0xff;
    if (family == 6 || family >= 0xf) model |= ((r[0] >> 16) & 0xf) << 4;
    CHECK(Qf3NumberAfter(ident, L"Family ") == (LONG)family);
    CHECK(Qf3NumberAfter(ident, L"Model ") == (LONG)model);
    CHECK(Qf3NumberAfter(ident, L"Stepping ") == (LONG)(r[0] & 0xf));
    /* Identifier's first word: on 64-bit Windows the vendor's architecture, "Intel64" on
       GenuineIntel, "AMD64" on AuthenticAMD; on 32-bit Windows "x86" for both. */
#ifdef _WIN64
    if (RtlCompareMemory(vendor, "GenuineIntel", 12) == 12) CHECK(ident[0] == L'I' && Qf3NumberAfter(ident, L"Intel64 Family ") >= 0);
    if (RtlCompareMemory(vendor, "AuthenticAMD", 12) == 12) CHECK(ident[0] == L'A' && Qf3NumberAfter(ident, L"AMD64 Family ") >= 0);
#else
    CHECK(ident[0] == L'x' && Qf3NumberAfter(ident, L"x86 Family ") >= 0);
#endif
    return failures;
}

/* ProcessorNameString is CPUID's brand string (leaves 0x80000002..4), leading blanks trimmed. */
__declspec(dllexport) ULONG TestCpuBrand(void)
{
    ULONG failures = 0, r[4], i, j = 0;
    char brand[49];
    WCHAR name[64];
    UNICODE_STRING path;
    OBJECT_ATTRIBUTES oa;
    HANDLE key;
    NTSTATUS st;
    for (i = 0; i < 3; i++) {
        Qf3Cpuid(0x80000002 + i, r);
        RtlCopyMemory(brand + 16 * i, r, 16);
    }
    brand[48] = 0;
    while (brand[j] == ' ') j++;
    RtlInitUnicodeString(&path, L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0");
    InitializeObjectAttributes(&oa, &path, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    st = ZwOpenKey(&key, KEY_READ, &oa);
    CHECK(NT_SUCCESS(st));
    if (!NT_SUCCESS(st)) return failures;
    CHECK(NT_SUCCESS(Qf3ReadSz(key, L"ProcessorNameString", name, 64)));
    ZwClose(key);
    CHECK(brand[j] != 0);
    for (i = 0; brand[j + i]; i++) CHECK(name[i] == (WCHAR)brand[j + i]);
    CHECK(name[i] == 0);
    return failures;
}

/*
 * The Intel thermal MSRs a temperature monitor reads (Intel SDM vol. 4): MSR_TEMPERATURE_TARGET
 * bits 23:16 = TjMax; IA32_THERM_STATUS bit 31 = reading valid, bits 22:16 = TjMax - temperature;
 * IA32_PACKAGE_THERM_STATUS bits 22:16 likewise. Returns the core temperature in the high word
 * (0 on failure) and failures in the low word. Call it only on a GenuineIntel CPU.
 */
__declspec(dllexport) ULONG TestIntelThermal(void)
{
    ULONG failures = 0, r[4], tjmax, core, pkg;
    ULONG64 target, status, pstatus;
    Qf3Cpuid(0, r);
    CHECK(r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e); /* "Genu" "ineI" "ntel" */
    /* What CpuTempMonitor.sys checks before its rdmsr: CPUID.01H:EDX[5] (MSR), CPUID.06H:EAX[0]
       (digital thermal sensor); and CPUID.01H:EDX[22] (ACPI: IA32_THERM_STATUS), CPUID.06H:EAX[6]
       (package thermal management: IA32_PACKAGE_THERM_STATUS), Intel SDM vol. 4 table 2-2. */
    Qf3Cpuid(1, r);
    CHECK((r[3] >> 5) & 1);
    CHECK((r[3] >> 22) & 1);
    CHECK((r[3] >> 4) & 1); /* TSC */
    Qf3Cpuid(6, r);
    CHECK(r[0] & 1);
    CHECK((r[0] >> 6) & 1);
    target = __readmsr(0x1A2);
    status = __readmsr(0x19C);
    pstatus = __readmsr(0x1B1);
    tjmax = (ULONG)(target >> 16) & 0xff;
    CHECK(tjmax >= 50 && tjmax <= 130);
    CHECK((status >> 31) & 1);
    core = (ULONG)(status >> 16) & 0x7f;
    pkg = (ULONG)(pstatus >> 16) & 0x7f;
    CHECK(core <= tjmax && pkg <= tjmax);
    return failures | (failures ? 0 : (tjmax - core) << 16);
}
