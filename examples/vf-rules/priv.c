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
