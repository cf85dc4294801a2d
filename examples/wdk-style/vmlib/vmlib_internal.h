/* vmlib_internal.h: shared by main.c and pool.c. */
#ifndef VMLIB_INTERNAL_H
#define VMLIB_INTERNAL_H

#include <Ntddk.h>
#include <aux_klib.h>
#include "VmLib.h"

/* A tentative definition in a header, as cl.exe accepts it in every file that includes it. */
ULONG VmlibCallCount;
LONG volatile VmlibFlags;

typedef struct _VMLIB_BLOCK {
    ULONG Magic;
    ULONG Values[4];
} VMLIB_BLOCK, *PVMLIB_BLOCK;

NTSTATUS VmlibFillBlock(struct _VMLIB_BLOCK *Block, ULONG Seed);

PVMLIB_BLOCK VmlibAllocateBlock(void);
VOID VmlibFreeBlock(PVMLIB_BLOCK Block);
ULONG64 VmlibReadCounter(void);   /* cpu.asm */

#endif
