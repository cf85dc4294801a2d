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
    PUCHAR a, b;
    volatile ULONG64 *pte;
    ULONG64 orig, pb;
    PG_WALK w;
    ULONG bad = 0;

    if (blockA == NULL || blockB == NULL) return 100;
    a = PgPageOf(blockA);
    b = PgPageOf(blockB);
    RtlFillMemory(a, PAGE_SIZE, 'A');
    RtlFillMemory(b, PAGE_SIZE, 'B');
    if (!PgWalkVirtual(Cr3, a, &w) || w.PteVa == NULL || !(w.Entry[1] & PG_P)) return 101;
    pte = w.PteVa;
    orig = *pte;
    pb = (ULONG64)MmGetPhysicalAddress(b).QuadPart;

    *pte = (orig & ~PG_PFN) | (pb & PG_PFN);
    __invlpg(a);
    if (a[0] != 'B') bad++;
    if ((ULONG64)MmGetPhysicalAddress(a).QuadPart != pb) bad++;
    a[1] = 'x';
    DbgPrint("paging: page %p remapped to %llX reads '%c'\n", a, pb, a[0]);

    *pte = orig;
    __invlpg(a);
    if (a[0] != 'A' || a[1] != 'A') bad++;
    if (b[1] != 'x') bad++;
    DbgPrint("paging: restored: '%c%c', the other page '%c%c'\n", a[0], a[1], b[0], b[1]);

    /* R/W cleared then set again: the walk sees each state. */
    *pte = orig & ~PG_RW;
    __invlpg(a);
    if (!PgWalkVirtual(Cr3, a, &w) || (w.Entry[1] & PG_RW)) bad++;
    *pte = orig;
    __invlpg(a);
    if (!PgWalkVirtual(Cr3, a, &w) || !(w.Entry[1] & PG_RW)) bad++;
    a[2] = 'y';
    if (a[2] != 'y') bad++;

    ExFreePoolWithTag(blockA, TAG);
    ExFreePoolWithTag(blockB, TAG);
    return bad;
}
#endif
