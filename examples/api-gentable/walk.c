/*
 * apigtab.sys - enumerations: collation order with and without splaying (see apigtab.h).
 */
#include "apigtab.h"

ULONG
GtabKeysInOrder(PRTL_GENERIC_TABLE Table, ULONG *Keys, ULONG Max)
{
    ULONG n = 0;
    PRECORD r;

    for (r = RtlEnumerateGenericTable(Table, TRUE); r != NULL && n < Max; r = RtlEnumerateGenericTable(Table, FALSE))
        Keys[n++] = r->Key;
    return n;
}

ULONG
GtabKeysWithoutSplaying(PRTL_GENERIC_TABLE Table, ULONG *Keys, ULONG Max)
{
    PVOID restart = NULL;
    ULONG n = 0;
    PRECORD r;

    for (r = RtlEnumerateGenericTableWithoutSplaying(Table, &restart); r != NULL && n < Max;
         r = RtlEnumerateGenericTableWithoutSplaying(Table, &restart))
        Keys[n++] = r->Key;
    return n;
}
