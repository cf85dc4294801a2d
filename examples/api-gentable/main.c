/*
 * apigtab.sys - TestGenericTable: the documented behaviour of the Rtl generic table routines.
 */
#include "apigtab.h"

EXPORT_DRIVER_BOILERPLATE(apigtab)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

int TestGenericTable(void)
{
    static const ULONG inserted[] = { 40, 10, 30, 50, 20 };
    int failures = 0;
    RTL_GENERIC_TABLE table;
    GTAB_CONTEXT ctx;
    BOOLEAN isNew = FALSE;
    PRECORD r, again;
    ULONG keys[8], i, n;
    ULONG header = sizeof(RTL_SPLAY_LINKS) + sizeof(LIST_ENTRY);

    GtabInitialize(&table, &ctx);
    CHECK(RtlIsGenericTableEmpty(&table));
    CHECK(RtlNumberGenericTableElements(&table) == 0);
    CHECK(RtlGetElementGenericTable(&table, 0) == NULL);
    CHECK(RtlEnumerateGenericTable(&table, TRUE) == NULL);

    for (i = 0; i < ARRAY_LEN(inserted); i++) {
        r = GtabInsert(&table, inserted[i], "rec", &isNew);
        CHECK(r != NULL && isNew && r->Key == inserted[i]);
        /* The caller's data follows the table's own links inside the block it allocated. */
        CHECK((ULONG_PTR)r >= (ULONG_PTR)ctx.LastBlock + header);
        CHECK(ctx.LastSize == (ULONG)((ULONG_PTR)r - (ULONG_PTR)ctx.LastBlock) + sizeof(RECORD));
    }
    CHECK(!RtlIsGenericTableEmpty(&table));
    CHECK(RtlNumberGenericTableElements(&table) == 5);
    CHECK(table.NumberGenericTableElements == 5);
    CHECK(ctx.Allocations == 5);

    /* An equal key: the existing element, not a new one, and nothing allocated. */
    r = GtabFind(&table, 30);
    again = GtabInsert(&table, 30, "other", &isNew);
    CHECK(again == r && !isNew && RtlCompareMemory(again->Name, "rec", 3) == 3);
    CHECK(ctx.Allocations == 5);

    CHECK(GtabFind(&table, 20) != NULL && GtabFind(&table, 20)->Key == 20);
    CHECK(GtabFind(&table, 25) == NULL);

    /* By index: insertion order. */
    for (i = 0; i < ARRAY_LEN(inserted); i++) {
        r = (PRECORD)RtlGetElementGenericTable(&table, i);
        CHECK(r != NULL && r->Key == inserted[i]);
    }
    CHECK(RtlGetElementGenericTable(&table, 5) == NULL);

    /* Enumerations: collation order. */
    n = GtabKeysInOrder(&table, keys, ARRAY_LEN(keys));
    CHECK(n == 5 && keys[0] == 10 && keys[1] == 20 && keys[2] == 30 && keys[3] == 40 && keys[4] == 50);
    n = GtabKeysWithoutSplaying(&table, keys, ARRAY_LEN(keys));
    CHECK(n == 5 && keys[0] == 10 && keys[4] == 50);

    /* A failed allocation: NULL, the table unchanged. */
    ctx.FailNext = TRUE;
    CHECK(GtabInsert(&table, 60, "fail", &isNew) == NULL);
    CHECK(GtabFind(&table, 60) == NULL);
    CHECK(RtlNumberGenericTableElements(&table) == 5);

    /* Delete: TRUE for a present key (the free routine gets the block), FALSE otherwise. */
    CHECK(GtabDelete(&table, 30));
    CHECK(ctx.Frees == 1);
    CHECK(!GtabDelete(&table, 30));
    CHECK(GtabFind(&table, 30) == NULL);
    CHECK(RtlNumberGenericTableElements(&table) == 4);
    r = (PRECORD)RtlGetElementGenericTable(&table, 2);
    CHECK(r != NULL && r->Key == 50);
    n = GtabKeysInOrder(&table, keys, ARRAY_LEN(keys));
    CHECK(n == 4 && keys[2] == 40);

    /* Empty it: every block freed. */
    for (i = 0; i < ARRAY_LEN(inserted); i++)
        GtabDelete(&table, inserted[i]);
    CHECK(RtlIsGenericTableEmpty(&table));
    CHECK(RtlNumberGenericTableElements(&table) == 0);
    CHECK(ctx.Frees == ctx.Allocations);
    /* NewElement is optional. */
    CHECK(GtabInsert(&table, 7, "opt", NULL) != NULL);
    CHECK(GtabDelete(&table, 7));
    return failures;
}

/* A wild table pointer: Windows reads the header and crashes; kmdll reports the invalid read. */
ULONG WildGenericTable(void)
{
    return RtlNumberGenericTableElements((PRTL_GENERIC_TABLE)(ULONG_PTR)0xFFFFA000DEAD0000ULL);
}
