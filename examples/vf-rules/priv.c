/*
 * Privileged operations and leaks: wrmsr (privileged-wrmsr) against reading an MSR; a pool block
 * never freed (a leak at unload, which fails kmdll call and kmdll sim alike).
 */
#include "vfrules.h"

/* Points IA32_LSTAR (the system call entry) at the driver: what a rootkit does. */
VOID NTAPI WrmsrBad(void)
{
    __writemsr(0xC0000082, (ULONG64)(ULONG_PTR)&WrmsrBad);
}

/* Reading an MSR is reported as a warning only. */
LONG64 NTAPI WrmsrClean(void)
{
    return (LONG64)__readmsr(0x1B); /* IA32_APIC_BASE */
}

/* Clears CR0.WP (write protection) around a write, then sets it back: two control register writes. */
LONG64 NTAPI CrWriteBad(void)
{
    ULONG64 cr0 = __readcr0();
    __writecr0(cr0 & ~0x10000ULL);
    __writecr0(cr0);
    return (LONG64)(cr0 & 0x10000);
}

/* Reading CR0 is harmless. */
LONG64 NTAPI CrWriteClean(void)
{
    return (LONG64)(__readcr0() & 0x10000);
}

static PVOID g_Block;

LONG64 NTAPI PoolLeakBad(void)
{
    g_Block = ExAllocatePoolWithTag(NonPagedPoolNx, 64, VF_TAG);
    return g_Block != NULL;
}

LONG64 NTAPI PoolLeakClean(void)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, VF_TAG);
    if (p == NULL)
        return 0;
    ExFreePoolWithTag(p, VF_TAG);
    return 1;
}

/* Executable nonpaged pool (NonPagedPool): refused under HVCI; NonPagedPoolNx is the fix.
 * Reported with --verifier all (code integrity checks are not a standard Driver Verifier setting). */
LONG64 NTAPI HvciPoolBad(void)
{
#pragma warning(suppress : 4996)
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 32, VF_TAG);
    if (p == NULL)
        return 0;
    ExFreePoolWithTag(p, VF_TAG);
    return 1;
}

LONG64 NTAPI HvciPoolClean(void)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPoolNx, 32, VF_TAG);
    if (p == NULL)
        return 0;
    ExFreePoolWithTag(p, VF_TAG);
    return 1;
}

static HANDLE g_Key;

/* Opens a registry key and keeps the handle: still open when the driver unloads. */
LONG64 NTAPI HandleLeakBad(void)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Control");
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    return ZwOpenKey(&g_Key, KEY_READ, &oa);
}

LONG64 NTAPI HandleLeakClean(void)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Control");
    OBJECT_ATTRIBUTES oa;
    HANDLE key;
    NTSTATUS st;
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    st = ZwOpenKey(&key, KEY_READ, &oa);
    if (NT_SUCCESS(st))
        ZwClose(key);
    return st;
}
