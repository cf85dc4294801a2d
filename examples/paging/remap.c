/*
 * paging.sys - PgRemap: WinPmem's rogue-page technique on a page of our own. The PTE of page A is
 * pointed at page B's frame (A then reads and writes B's memory), then restored; a second write
 * clears R/W and restores it. __invlpg after each PTE write, as the hardware requires.
 */
#include "paging.h"

#if defined(_M_AMD64)
#define TAG 'rPmK'

static PUCHAR PgPageOf(PUCHAR Block)
{
    return (PUCHAR)(((ULONG_PTR)Block + PAGE_SIZE - 1) & ~(ULONG_PTR)(PAGE_SIZE - 1));
}

ULONG PgRemap(ULONG64 Cr3)
{
    PUCHAR blockA = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, 2 * PAGE_SIZE, TAG);
    PUCHAR blockB = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, 2 * PAGE_SIZE, TAG);
    /* volatile: every access must reach memory (the compiler does not know a PTE write moves the page). */
    volatile UCHAR *a, *b;
    volatile ULONG64 *pte;
    ULONG64 orig, pb;
    PG_WALK w;
    ULONG bad = 0;

    if (blockA == NULL || blockB == NULL) return 100;
    a = PgPageOf(blockA);
    b = PgPageOf(blockB);
    RtlFillMemory((PVOID)a, PAGE_SIZE, 'A');
    RtlFillMemory((PVOID)b, PAGE_SIZE, 'B');
    if (!PgWalkVirtual(Cr3, (PVOID)a, &w) || w.PteVa == NULL || !(w.Entry[1] & PG_P)) return 101;
    pte = w.PteVa;
    orig = *pte;
    pb = (ULONG64)MmGetPhysicalAddress((PVOID)b).QuadPart;

    *pte = (orig & ~PG_PFN) | (pb & PG_PFN);
    __invlpg((PVOID)a);
    if (a[0] != 'B') bad++;
    if ((ULONG64)MmGetPhysicalAddress((PVOID)a).QuadPart != pb) bad++;
    a[1] = 'x';
    DbgPrint("paging: page %p remapped to %llX reads '%c'\n", a, pb, a[0]);

    *pte = orig;
    __invlpg((PVOID)a);
    if (a[0] != 'A' || a[1] != 'A') bad++;
    if (b[1] != 'x') bad++;
    DbgPrint("paging: restored: '%c%c', the other page '%c%c'\n", a[0], a[1], b[0], b[1]);

    /* R/W cleared then set again: the walk sees each state. */
    *pte = orig & ~PG_RW;
    __invlpg((PVOID)a);
    if (!PgWalkVirtual(Cr3, (PVOID)a, &w) || (w.Entry[1] & PG_RW)) bad++;
    *pte = orig;
    __invlpg((PVOID)a);
    if (!PgWalkVirtual(Cr3, (PVOID)a, &w) || !(w.Entry[1] & PG_RW)) bad++;
    a[2] = 'y';
    if (a[2] != 'y') bad++;

    /* Page A pointed at the PML4's frame reads the PML4 (WinPmem reading physical memory that
       holds a page table): the self-map entry names CR3. */
    *pte = (orig & ~PG_PFN) | (Cr3 & PG_PFN);
    __invlpg((PVOID)a);
    {
        ULONG self = PgFindSelfMap(Cr3);
        ULONG64 e = self < 512 ? ((volatile ULONG64 *)a)[self] : 0;
        if ((e & PG_PFN) != (Cr3 & PG_PFN) || !(e & PG_P)) bad++;
        DbgPrint("paging: page pointed at the PML4 reads entry %X = %llX\n", self, e);
    }
    *pte = orig;
    __invlpg((PVOID)a);
    if (a[0] != 'A') bad++;

    /* The same remap written through a mapping of the page table's frame (copy-out at unmap). */
    {
        PHYSICAL_ADDRESS pt;
        volatile ULONG64 *t;
        ULONG i = PG_INDEX((ULONG_PTR)a, 1);
        pt.QuadPart = (LONGLONG)(w.Entry[2] & PG_PFN);
        t = (volatile ULONG64 *)MmMapIoSpace(pt, PAGE_SIZE, MmCached);
        if (t == NULL) return bad + 1;
        if (t[i] != orig) bad++;
        t[i] = (orig & ~PG_PFN) | (pb & PG_PFN);
        MmUnmapIoSpace((PVOID)t, PAGE_SIZE);
        __invlpg((PVOID)a);
        if (a[0] != 'B' || a[1] != 'x') bad++;
        *pte = orig;
        __invlpg((PVOID)a);
        if (a[0] != 'A' || a[2] != 'y') bad++;
        DbgPrint("paging: through the page table's frame: %s\n", bad ? "failed" : "remapped and restored");
    }

    /* Interlocked updates (lock or, xchg): read-modify-write stores, not plain moves. */
    InterlockedOr64((volatile LONG64 *)pte, 0x10); /* PCD */
    __invlpg((PVOID)a);
    if (!PgWalkVirtual(Cr3, (PVOID)a, &w) || !(w.Entry[1] & 0x10)) bad++;
    InterlockedExchange64((volatile LONG64 *)pte, (LONG64)((orig & ~PG_PFN) | (pb & PG_PFN)));
    __invlpg((PVOID)a);
    if (a[0] != 'B') bad++;
    *pte = orig;
    __invlpg((PVOID)a);
    if (a[0] != 'A') bad++;

    /* The PTE written by a kernel routine (memmove) rather than by a store of ours. */
    {
        volatile SIZE_T n = sizeof(ULONG64);
        ULONG64 v = (orig & ~PG_PFN) | (pb & PG_PFN);
        RtlMoveMemory((PVOID)pte, &v, n);
        __invlpg((PVOID)a);
        if (a[0] != 'B') bad++;
        *pte = orig;
        __invlpg((PVOID)a);
        if (a[0] != 'A') bad++;
    }

    ExFreePoolWithTag(blockA, TAG);
    ExFreePoolWithTag(blockB, TAG);
    return bad;
}
/* PgInterlocked: the read-modify-write stores drivers use on a PTE (through the self-map), each
   checked by its result as C sees it — the old bit of bts/btr (CF), the success of a
   compare-exchange (ZF and RAX), xadd's old value — and by what the page reads after __invlpg. */
ULONG PgInterlocked(ULONG64 Cr3)
{
    PUCHAR blockA = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, 2 * PAGE_SIZE, TAG);
    PUCHAR blockB = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, 2 * PAGE_SIZE, TAG);
    volatile UCHAR *a, *b;
    volatile LONG64 *pte;
    LONG64 orig, toB, seen;
    PG_WALK w;
    ULONG bad = 0;

    if (blockA == NULL || blockB == NULL) return 100;
    a = PgPageOf(blockA);
    b = PgPageOf(blockB);
    RtlFillMemory((PVOID)a, PAGE_SIZE, 'A');
    RtlFillMemory((PVOID)b, PAGE_SIZE, 'B');
    if (!PgWalkVirtual(Cr3, (PVOID)a, &w) || w.PteVa == NULL || !(w.Entry[1] & PG_P)) return 101;
    pte = (volatile LONG64 *)w.PteVa;
    orig = *pte;
    toB = (LONG64)(((ULONG64)orig & ~PG_PFN) | ((ULONG64)MmGetPhysicalAddress((PVOID)b).QuadPart & PG_PFN));

    /* lock bts / btr (no lock) of PCD (bit 4): the old bit comes back in CF. */
    if (_interlockedbittestandset64((LONG64 *)pte, 4) != 0) bad++;
    if (*pte != (orig | 0x10)) bad++;
    if (_bittestandreset64((LONG64 *)pte, 4) != 1) bad++;
    if (*pte != orig) bad++;
    DbgPrint("paging: bts/btr %s\n", bad ? "failed" : "ok");

    /* lock cmpxchg: a match stores (ZF set), a mismatch loads the entry into RAX (ZF clear). */
    if (InterlockedCompareExchange64(pte, toB, orig) != orig) bad++;
    __invlpg((PVOID)a);
    if (a[0] != 'B') bad++;
    seen = InterlockedCompareExchange64(pte, orig ^ 1, orig);
    if (seen != toB) bad++;
    if (InterlockedCompareExchange64(pte, orig, seen) != toB) bad++;
    __invlpg((PVOID)a);
    if (a[0] != 'A') bad++;
    DbgPrint("paging: cmpxchg %s\n", bad ? "failed" : "ok");

    /* lock xor of the frame bits, lock and (R/W off), lock or (back), 32-bit lock or and xadd. */
    InterlockedXor64(pte, orig ^ toB);
    __invlpg((PVOID)a);
    if (a[0] != 'B' || *pte != toB) bad++;
    InterlockedXor64(pte, orig ^ toB);
    InterlockedAnd64(pte, ~(LONG64)PG_RW);
    __invlpg((PVOID)a);
    if (!PgWalkVirtual(Cr3, (PVOID)a, &w) || (w.Entry[1] & PG_RW)) bad++;
    InterlockedOr64(pte, PG_RW);
    InterlockedOr((volatile LONG *)pte, 0x200); /* bit 9: free for software */
    if (InterlockedExchangeAdd64(pte, -0x200) != (orig | 0x200)) bad++;
    __invlpg((PVOID)a);
    if (*pte != orig || a[0] != 'A') bad++;
    DbgPrint("paging: xor/and/or/xadd %s\n", bad ? "failed" : "ok");

    ExFreePoolWithTag(blockA, TAG);
    ExFreePoolWithTag(blockB, TAG);
    return bad;
}
#endif
