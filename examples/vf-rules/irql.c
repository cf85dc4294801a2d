/*
 * IRQL rules: routines documented for PASSIVE_LEVEL / APC_LEVEL called at DISPATCH_LEVEL
 * (rule irql-max), and the IRQL the inline KeGetCurrentIrql (mov reg, cr8) reads.
 */
#include "vfrules.h"

static NTSTATUS OpenSoftwareKey(PHANDLE Key)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&name, L"\\Registry\\Machine\\SOFTWARE");
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    return ZwOpenKey(Key, KEY_READ, &oa);
}

/* ZwOpenKey and MmGetSystemRoutineAddress at DISPATCH_LEVEL (both PASSIVE_LEVEL only). */
LONG64 NTAPI IrqlMaxBad(void)
{
    KIRQL old;
    HANDLE key = NULL;
    UNICODE_STRING routine;
    PVOID p;
    NTSTATUS s;
    RtlInitUnicodeString(&routine, L"KeQueryTimeIncrement");
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    s = OpenSoftwareKey(&key);
    p = MmGetSystemRoutineAddress(&routine);
    KeLowerIrql(old);
    if (NT_SUCCESS(s))
        ZwClose(key);
    return p != NULL;
}

/* The same calls at PASSIVE_LEVEL; the DISPATCH_LEVEL section only does what is allowed there. */
LONG64 NTAPI IrqlMaxClean(void)
{
    KIRQL old;
    HANDLE key = NULL;
    UNICODE_STRING routine;
    PVOID p;
    NTSTATUS s;
    LONG64 seen;
    RtlInitUnicodeString(&routine, L"KeQueryTimeIncrement");
    s = OpenSoftwareKey(&key);
    p = MmGetSystemRoutineAddress(&routine);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    seen = KeGetCurrentIrql();
    KeLowerIrql(old);
    if (NT_SUCCESS(s))
        ZwClose(key);
    return (p != NULL) | (seen << 8);
}

/* KeGetCurrentIrql (inline mov reg, cr8) under a spin lock reads DISPATCH_LEVEL; 0 after release. */
LONG64 NTAPI IrqlInline(void)
{
    KIRQL old, held, after;
    KeAcquireSpinLock(&g_Lock, &old);
    held = KeGetCurrentIrql();
    KeReleaseSpinLock(&g_Lock, old);
    after = KeGetCurrentIrql();
    return ((LONG64)after << 8) | held;
}
