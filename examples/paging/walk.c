/*
 * paging.sys - the two walks. PgWalkVirtual reads each table where MmGetVirtualForPhysical says
 * it is (on Windows: the table's address in the self-map region); PgWalkPhysical maps each table
 * page with MmMapIoSpace, reads the entry and unmaps it.
 */
#include "paging.h"

static ULONG64 *TableVirtual(ULONG64 Pa)
{
    PHYSICAL_ADDRESS p;
    p.QuadPart = (LONGLONG)(Pa & PG_PFN);
    return (ULONG64 *)MmGetVirtualForPhysical(p);
}

BOOLEAN PgWalkVirtual(ULONG64 Cr3, PVOID Va, PPG_WALK Walk)
{
    ULONG64 table = Cr3 & PG_PFN;
    ULONG level;

    RtlZeroMemory(Walk, sizeof(*Walk));
    for (level = 4; level >= 1; level--) {
        ULONG64 *t = TableVirtual(table);
        ULONG64 e;
        if (t == NULL) return FALSE;
        e = t[PG_INDEX(Va, level)];
        Walk->Entry[level] = e;
        Walk->Levels++;
        if (level == 1) Walk->PteVa = &t[PG_INDEX(Va, level)];
        if (!(e & PG_P)) return TRUE;
        if (level > 1 && (e & PG_PS)) return FALSE; /* large pages: not expected here */
        table = e & PG_PFN;
    }
    Walk->Physical = table | ((ULONG_PTR)Va & 0xFFF);
    return TRUE;
}

BOOLEAN PgWalkPhysical(ULONG64 Cr3, PVOID Va, PPG_WALK Walk)
{
    ULONG64 table = Cr3 & PG_PFN;
    ULONG level;

    RtlZeroMemory(Walk, sizeof(*Walk));
    for (level = 4; level >= 1; level--) {
        PHYSICAL_ADDRESS p;
        ULONG64 *t;
        ULONG64 e;
        p.QuadPart = (LONGLONG)table;
        t = (ULONG64 *)MmMapIoSpace(p, PAGE_SIZE, MmCached);
        if (t == NULL) return FALSE;
        e = t[PG_INDEX(Va, level)];
        MmUnmapIoSpace(t, PAGE_SIZE);
        Walk->Entry[level] = e;
        Walk->Levels++;
        if (!(e & PG_P)) return TRUE;
        if (level > 1 && (e & PG_PS)) return FALSE;
        table = e & PG_PFN;
    }
    Walk->Physical = table | ((ULONG_PTR)Va & 0xFFF);
    return TRUE;
}

/* The PML4 entry that points back at the PML4 (Windows' self-map; randomized since 1607). */
ULONG PgFindSelfMap(ULONG64 Cr3)
{
    ULONG64 *pml4 = TableVirtual(Cr3);
    ULONG i;
    if (pml4 == NULL) return 0x200;
    for (i = 256; i < 512; i++)
        if ((pml4[i] & PG_P) && (pml4[i] & PG_PFN) == (Cr3 & PG_PFN)) return i;
    return 0x200;
}

/* PTE_BASE for a self-map index, sign-extended: MiGetPteAddress(va) = PTE_BASE + ((va >> 9) & 0x7FFFFFFFF8). */
ULONG64 PgPteBase(ULONG SelfIndex)
{
    return 0xFFFF000000000000ULL | ((ULONG64)SelfIndex << 39);
}
