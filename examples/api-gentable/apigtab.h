/*
 * apigtab.sys - shared declarations: a table of RECORDs keyed by Key, allocated from pool by the
 * driver's own routines, which count what they allocate and free.
 */
#pragma once
#include "../include/apitest.h"

#define GTAB_TAG 'baTG'

typedef struct _RECORD {
    ULONG Key;
    CHAR Name[12];
} RECORD, *PRECORD;

typedef struct _GTAB_CONTEXT {
    LONG Allocations;
    LONG Frees;
    ULONG LastSize;         /* ByteSize of the last AllocateRoutine call */
    PVOID LastBlock;        /* what it returned */
    BOOLEAN FailNext;       /* the next allocation fails */
} GTAB_CONTEXT, *PGTAB_CONTEXT;

/* records.c */
VOID GtabInitialize(PRTL_GENERIC_TABLE Table, PGTAB_CONTEXT Context);
PRECORD GtabInsert(PRTL_GENERIC_TABLE Table, ULONG Key, const CHAR *Name, PBOOLEAN New);
BOOLEAN GtabDelete(PRTL_GENERIC_TABLE Table, ULONG Key);
PRECORD GtabFind(PRTL_GENERIC_TABLE Table, ULONG Key);

/* walk.c */
ULONG GtabKeysInOrder(PRTL_GENERIC_TABLE Table, ULONG *Keys, ULONG Max);
ULONG GtabKeysWithoutSplaying(PRTL_GENERIC_TABLE Table, ULONG *Keys, ULONG Max);
