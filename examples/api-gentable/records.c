/*
 * apigtab.sys - the table's routines and the record operations (see apigtab.h).
 */
#include "apigtab.h"

static RTL_GENERIC_COMPARE_RESULTS NTAPI
GtabCompare(PRTL_GENERIC_TABLE Table, PVOID First, PVOID Second)
{
    ULONG a = ((PRECORD)First)->Key, b = ((PRECORD)Second)->Key;

    UNREFERENCED_PARAMETER(Table);
    return a < b ? GenericLessThan : a > b ? GenericGreaterThan : GenericEqual;
}

static PVOID NTAPI
GtabAllocate(PRTL_GENERIC_TABLE Table, CLONG ByteSize)
{
    PGTAB_CONTEXT c = (PGTAB_CONTEXT)Table->TableContext;
    PVOID p;

    c->LastSize = ByteSize;
    if (c->FailNext) {
        c->FailNext = FALSE;
        c->LastBlock = NULL;
        return NULL;
    }
    p = ExAllocatePoolWithTag(PagedPool, ByteSize, GTAB_TAG);
    c->LastBlock = p;
    if (p != NULL)
        c->Allocations++;
    return p;
}

static VOID NTAPI
GtabFree(PRTL_GENERIC_TABLE Table, PVOID Buffer)
{
    PGTAB_CONTEXT c = (PGTAB_CONTEXT)Table->TableContext;

    c->Frees++;
    ExFreePoolWithTag(Buffer, GTAB_TAG);
}

VOID
GtabInitialize(PRTL_GENERIC_TABLE Table, PGTAB_CONTEXT Context)
{
    RtlZeroMemory(Context, sizeof(*Context));
    RtlInitializeGenericTable(Table, GtabCompare, GtabAllocate, GtabFree, Context);
}

PRECORD
GtabInsert(PRTL_GENERIC_TABLE Table, ULONG Key, const CHAR *Name, PBOOLEAN New)
{
    RECORD r;

    RtlZeroMemory(&r, sizeof(r));
    r.Key = Key;
    RtlCopyMemory(r.Name, Name, strlen(Name) < sizeof(r.Name) ? strlen(Name) : sizeof(r.Name) - 1);
    return (PRECORD)RtlInsertElementGenericTable(Table, &r, sizeof(r), New);
}

PRECORD
GtabFind(PRTL_GENERIC_TABLE Table, ULONG Key)
{
    RECORD r;

    r.Key = Key;
    return (PRECORD)RtlLookupElementGenericTable(Table, &r);
}

BOOLEAN
GtabDelete(PRTL_GENERIC_TABLE Table, ULONG Key)
{
    RECORD r;

    r.Key = Key;
    return RtlDeleteElementGenericTable(Table, &r);
}
