/*
 * Special pool (with --verifier all): overruns and underruns caught at the faulting instruction
 * or at free, use after free; pool-type rules (paged pool at DISPATCH_LEVEL, zero-byte requests).
 */
#include "vfrules.h"

/* Off by one: the loop writes Size + 1 bytes. With special pool the write past the end faults. */
LONG64 NTAPI PoolOverrunBad(ULONG Size)
{
    PUCHAR p = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, Size, VF_TAG);
    ULONG i;
    if (p == NULL)
        return 0;
    for (i = 0; i <= Size; i++)
        p[i] = (UCHAR)i;
    ExFreePoolWithTag(p, VF_TAG);
    return 1;
}

LONG64 NTAPI PoolOverrunClean(ULONG Size)
{
    PUCHAR p = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, Size, VF_TAG);
    ULONG i;
    if (p == NULL)
        return 0;
    for (i = 0; i < Size; i++)
        p[i] = (UCHAR)i;
    ExFreePoolWithTag(p, VF_TAG);
    return 1;
}

/* A 13-byte block: the byte after it is alignment padding in the same page, so the overrun
 * does not fault; special pool finds the changed byte when the block is freed. */
LONG64 NTAPI PoolSlackBad(void)
{
    PUCHAR p = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, 13, VF_TAG);
    if (p == NULL)
        return 0;
    RtlFillMemory(p, 14, 0x41);
    ExFreePoolWithTag(p, VF_TAG);
    return 1;
}

LONG64 NTAPI PoolSlackClean(void)
{
    PUCHAR p = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, 13, VF_TAG);
    if (p == NULL)
        return 0;
    RtlFillMemory(p, 13, 0x41);
    ExFreePoolWithTag(p, VF_TAG);
    return 1;
}

/* Writes the byte before the block: found at free (overrun mode: the head of the page) or at
 * once (underrun mode: the no-access page before the block). */
LONG64 NTAPI PoolUnderrunBad(LONG Back)
{
    volatile UCHAR *p = (volatile UCHAR *)ExAllocatePoolWithTag(NonPagedPoolNx, 32, VF_TAG);
    if (p == NULL)
        return 0;
    p[-Back] = 0x42;
    ExFreePoolWithTag((PVOID)p, VF_TAG);
    return 1;
}

LONG64 NTAPI PoolUnderrunClean(LONG Back)
{
    volatile UCHAR *p = (volatile UCHAR *)ExAllocatePoolWithTag(NonPagedPoolNx, 32, VF_TAG);
    if (p == NULL)
        return 0;
    p[Back > 0 && Back <= 32 ? 32 - Back : 0] = 0x42;
    ExFreePoolWithTag((PVOID)p, VF_TAG);
    return 1;
}

/* Reads a block after freeing it. */
LONG64 NTAPI PoolUseAfterFreeBad(void)
{
    volatile LONG *p = (volatile LONG *)ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(LONG) * 4, VF_TAG);
    if (p == NULL)
        return 0;
    p[0] = 7;
    ExFreePoolWithTag((PVOID)p, VF_TAG);
    return p[0];
}

LONG64 NTAPI PoolUseAfterFreeClean(void)
{
    volatile LONG *p = (volatile LONG *)ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(LONG) * 4, VF_TAG);
    LONG v;
    if (p == NULL)
        return 0;
    p[0] = 7;
    v = p[0];
    ExFreePoolWithTag((PVOID)p, VF_TAG);
    return v;
}

/* Paged pool may be paged out: allocating it at DISPATCH_LEVEL is a Driver Verifier violation. */
LONG64 NTAPI PagedPoolDispatchBad(void)
{
    KIRQL old;
    PVOID p;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    p = ExAllocatePoolWithTag(PagedPool, 64, VF_TAG);
    KeLowerIrql(old);
    if (p != NULL)
        ExFreePoolWithTag(p, VF_TAG);
    return p != NULL;
}

LONG64 NTAPI PagedPoolDispatchClean(void)
{
    KIRQL old;
    PVOID p;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, VF_TAG);
    KeLowerIrql(old);
    if (p != NULL)
        ExFreePoolWithTag(p, VF_TAG);
    return p != NULL;
}

/* A zero-byte request: Driver Verifier flags it (usually a size computed wrong). */
LONG64 NTAPI PoolZeroSizeBad(ULONG Count)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPoolNx, (SIZE_T)Count * 16, VF_TAG);
    if (p != NULL)
        ExFreePoolWithTag(p, VF_TAG);
    return p != NULL;
}

/* The same allocation when there is nothing to allocate is skipped. */
LONG64 NTAPI PoolZeroSizeClean(ULONG Count)
{
    PVOID p;
    if (Count == 0)
        return 0;
    p = ExAllocatePoolWithTag(NonPagedPoolNx, (SIZE_T)Count * 16, VF_TAG);
    if (p != NULL)
        ExFreePoolWithTag(p, VF_TAG);
    return p != NULL;
}

/* A PagedPool block allocated at PASSIVE_LEVEL (fine) but read at DISPATCH_LEVEL: the page may be
 * paged out then (bug check 0xD1). Seen with special pool, where the block has pages of its own. */
static LONG64 TouchAtDispatch(POOL_TYPE Type)
{
    KIRQL old;
    LONG64 v;
    volatile LONG *p = (volatile LONG *)ExAllocatePoolWithTag(Type, 64, VF_TAG);
    if (p == NULL)
        return 0;
    p[3] = 5;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    v = p[3];
    KeLowerIrql(old);
    ExFreePoolWithTag((PVOID)p, VF_TAG);
    return v;
}

LONG64 NTAPI PagedPoolTouchBad(void)
{
    return TouchAtDispatch(PagedPool);
}

LONG64 NTAPI PagedPoolTouchClean(void)
{
    return TouchAtDispatch(NonPagedPoolNx);
}
