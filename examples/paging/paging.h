/*
 * paging.sys - shared declarations. x64 4-level paging (Intel SDM vol. 3A, 4.5): CR3 bits 12-51
 * hold the PML4's frame; each table has 512 8-byte entries; a virtual address indexes them with
 * bits 39-47, 30-38, 21-29 and 12-20. Entry bits: P 0, R/W 1, U/S 2, PS 7, G 8, PFN 12-51, XD 63.
 */
#pragma once
#include <ntddk.h>

#define PG_P      0x1ULL
#define PG_RW     0x2ULL
#define PG_US     0x4ULL
#define PG_PS     0x80ULL
#define PG_XD     0x8000000000000000ULL
#define PG_PFN    0x000FFFFFFFFFF000ULL

#define PG_INDEX(va, level) ((ULONG)(((ULONG64)(va) >> (12 + 9 * ((level) - 1))) & 0x1FF))

/* One walk: the entry read at each level (4 = PML4E ... 1 = PTE) and the physical address. */
typedef struct _PG_WALK {
    ULONG64 Entry[5];
    ULONG64 *PteVa;      /* where the PTE is (virtual walk only) */
    ULONG64 Physical;    /* 0 when a level is not present */
    ULONG Levels;        /* levels read */
} PG_WALK, *PPG_WALK;

/* walk.c */
BOOLEAN PgWalkVirtual(ULONG64 Cr3, PVOID Va, PPG_WALK Walk);
BOOLEAN PgWalkPhysical(ULONG64 Cr3, PVOID Va, PPG_WALK Walk);
ULONG PgFindSelfMap(ULONG64 Cr3);
ULONG64 PgPteBase(ULONG SelfIndex);

/* remap.c */
ULONG PgRemap(ULONG64 Cr3);
ULONG PgInterlocked(ULONG64 Cr3);
