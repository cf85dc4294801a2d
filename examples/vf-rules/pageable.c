/*
 * vfrules.sys — pageable code and data (PAGE / PAGEDATA sections, what `#pragma alloc_text(PAGE)`
 * and `#pragma data_seg("PAGEDATA")` produce with the WDK) touched at DISPATCH_LEVEL: Windows
 * may have paged them out and cannot page them in at that IRQL (bug check 0xD1).
 */
#include "vfrules.h"

#define PAGED_CODE_SECTION __attribute__((section("PAGE"), noinline))
#define PAGED_DATA_SECTION __attribute__((section("PAGEDATA")))

PAGED_DATA_SECTION volatile LONG g_PagedCounter = 41;
static volatile LONG g_Counter = 41;

/* Pageable code: callers must run below DISPATCH_LEVEL (PAGED_CODE()). */
PAGED_CODE_SECTION LONG NTAPI VfPagedAdd(LONG a, LONG b)
{
    return a + b;
}

/* Calls pageable code with a spin lock held. */
LONG64 NTAPI PageableCodeBad(void)
{
    KIRQL old;
    LONG v;
    KeAcquireSpinLock(&g_Lock, &old);
    v = VfPagedAdd(1, 2);
    KeReleaseSpinLock(&g_Lock, old);
    return v;
}

/* The same call made after the lock is released. */
LONG64 NTAPI PageableCodeClean(void)
{
    KIRQL old;
    LONG v;
    KeAcquireSpinLock(&g_Lock, &old);
    KeReleaseSpinLock(&g_Lock, old);
    v = VfPagedAdd(1, 2);
    return v;
}

/* Reads a pageable global at DISPATCH_LEVEL. */
LONG64 NTAPI PageableDataBad(void)
{
    KIRQL old;
    LONG v;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    v = g_PagedCounter + 1;
    KeLowerIrql(old);
    return v;
}

/* The same read of a nonpaged global. */
LONG64 NTAPI PageableDataClean(void)
{
    KIRQL old;
    LONG v;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    v = g_Counter + 1;
    KeLowerIrql(old);
    return v + (g_PagedCounter - 41);
}

/* Cost of the check: Count spin-lock acquire/release pairs, each followed by a call of pageable
 * code at PASSIVE_LEVEL (every crossing of DISPATCH_LEVEL suspends and restores the PAGE pages). */
LONG64 NTAPI PageableLoop(ULONG Count)
{
    KIRQL old;
    LONG64 sum = 0;
    ULONG i;
    for (i = 0; i < Count; i++) {
        KeAcquireSpinLock(&g_Lock, &old);
        sum += g_Counter;
        KeReleaseSpinLock(&g_Lock, old);
        sum += VfPagedAdd((LONG)i, 1);
    }
    return sum;
}
