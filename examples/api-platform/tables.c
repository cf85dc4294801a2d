/*
 * apiplat.sys - AVL generic tables (RtlInitializeGenericTableAvl and friends) keyed by process
 * ID, as monitoring drivers keep their per-process records; the driver's own compare, allocate
 * and free routines.
 */
#include "apiplat.h"

typedef struct _PROC_RECORD {
    ULONG Pid;
    ULONG Starts;
} PROC_RECORD;

typedef struct _AVL_CONTEXT {
    ULONG Allocations;
    ULONG Frees;
    ULONG LastSize;
    PVOID LastBlock;
    BOOLEAN FailNext;
} AVL_CONTEXT;

static RTL_GENERIC_COMPARE_RESULTS NTAPI CompareRecords(PRTL_AVL_TABLE Table, PVOID First, PVOID Second)
{
    ULONG a = ((PROC_RECORD *)First)->Pid, b = ((PROC_RECORD *)Second)->Pid;
    UNREFERENCED_PARAMETER(Table);
    return a < b ? GenericLessThan : a > b ? GenericGreaterThan : GenericEqual;
}

static PVOID NTAPI AllocateRecord(PRTL_AVL_TABLE Table, CLONG ByteSize)
{
    AVL_CONTEXT *c = (AVL_CONTEXT *)Table->TableContext;
    if (c->FailNext) {
        c->FailNext = FALSE;
        return NULL;
    }
    c->Allocations++;
    c->LastSize = ByteSize;
    c->LastBlock = ExAllocatePoolWithTag(NonPagedPoolNx, ByteSize, 'lvAP');
    return c->LastBlock;
}

static VOID NTAPI FreeRecord(PRTL_AVL_TABLE Table, PVOID Buffer)
{
    AVL_CONTEXT *c = (AVL_CONTEXT *)Table->TableContext;
    c->Frees++;
    ExFreePoolWithTag(Buffer, 'lvAP');
}

static PROC_RECORD *Insert(PRTL_AVL_TABLE Table, ULONG Pid, BOOLEAN *IsNew)
{
    PROC_RECORD r;
    r.Pid = Pid;
    r.Starts = 1;
    return (PROC_RECORD *)RtlInsertElementGenericTableAvl(Table, &r, sizeof(r), IsNew);
}

static PROC_RECORD *Find(PRTL_AVL_TABLE Table, ULONG Pid)
{
    PROC_RECORD key;
    key.Pid = Pid;
    return (PROC_RECORD *)RtlLookupElementGenericTableAvl(Table, &key);
}

int TestAvlTable(void)
{
    static const ULONG pids[] = { 400, 100, 300, 500, 200 };
    int failures = 0;
    RTL_AVL_TABLE table;
    AVL_CONTEXT ctx;
    BOOLEAN isNew = FALSE;
    PROC_RECORD *r, key;
    PVOID restart;
    ULONG i, n, last;

    RtlZeroMemory(&ctx, sizeof(ctx));
    RtlInitializeGenericTableAvl(&table, CompareRecords, AllocateRecord, FreeRecord, &ctx);
    CHECK(RtlIsGenericTableEmptyAvl(&table));
    CHECK(RtlNumberGenericTableElementsAvl(&table) == 0);
    CHECK(table.TableContext == &ctx);
    CHECK(RtlGetElementGenericTableAvl(&table, 0) == NULL);
    CHECK(RtlEnumerateGenericTableAvl(&table, TRUE) == NULL);

    for (i = 0; i < ARRAY_LEN(pids); i++) {
        r = Insert(&table, pids[i], &isNew);
        CHECK(r != NULL && isNew && r->Pid == pids[i] && r->Starts == 1);
        /* The element is sizeof(RTL_BALANCED_LINKS) + the caller's data, the data after the links. */
        CHECK(ctx.LastSize == sizeof(RTL_BALANCED_LINKS) + sizeof(PROC_RECORD));
        CHECK((PUCHAR)r == (PUCHAR)ctx.LastBlock + sizeof(RTL_BALANCED_LINKS));
    }
    CHECK(!RtlIsGenericTableEmptyAvl(&table));
    CHECK(RtlNumberGenericTableElementsAvl(&table) == 5 && table.NumberGenericTableElements == 5);
    CHECK(table.BalancedRoot.RightChild != NULL);

    /* An equal key: the existing element, nothing allocated. */
    r = Find(&table, 300);
    r->Starts++;
    CHECK(Insert(&table, 300, &isNew) == r && !isNew && r->Starts == 2);
    CHECK(ctx.Allocations == 5);
    CHECK(Find(&table, 250) == NULL);

    /* By index and by enumeration: collation order. */
    for (i = 0; i < 5; i++) {
        r = (PROC_RECORD *)RtlGetElementGenericTableAvl(&table, i);
        CHECK(r != NULL && r->Pid == 100 * (i + 1));
    }
    CHECK(RtlGetElementGenericTableAvl(&table, 5) == NULL);
    for (n = 0, last = 0, r = (PROC_RECORD *)RtlEnumerateGenericTableAvl(&table, TRUE); r; r = (PROC_RECORD *)RtlEnumerateGenericTableAvl(&table, FALSE), n++) {
        CHECK(r->Pid > last);
        last = r->Pid;
    }
    CHECK(n == 5);
    restart = NULL;
    for (n = 0, last = 0; (r = (PROC_RECORD *)RtlEnumerateGenericTableWithoutSplayingAvl(&table, &restart)) != NULL; n++) {
        CHECK(r->Pid > last);
        last = r->Pid;
    }
    CHECK(n == 5 && last == 500);

    /* First match, then the enumeration continues after it. */
    key.Pid = 300;
    restart = NULL;
    r = (PROC_RECORD *)RtlLookupFirstMatchingElementGenericTableAvl(&table, &key, &restart);
    CHECK(r != NULL && r->Pid == 300 && restart != NULL);
    r = (PROC_RECORD *)RtlEnumerateGenericTableWithoutSplayingAvl(&table, &restart);
    CHECK(r != NULL && r->Pid == 400);

    /* A failed allocation: NULL, the table unchanged. */
    ctx.FailNext = TRUE;
    CHECK(Insert(&table, 600, &isNew) == NULL && !isNew);
    CHECK(RtlNumberGenericTableElementsAvl(&table) == 5);

    /* Delete: TRUE and the block freed by the driver's routine; FALSE for a missing key. */
    key.Pid = 300;
    CHECK(RtlDeleteElementGenericTableAvl(&table, &key) == TRUE && ctx.Frees == 1);
    CHECK(RtlDeleteElementGenericTableAvl(&table, &key) == FALSE && ctx.Frees == 1);
    CHECK(Find(&table, 300) == NULL && RtlNumberGenericTableElementsAvl(&table) == 4);
    r = (PROC_RECORD *)RtlGetElementGenericTableAvl(&table, 2);
    CHECK(r != NULL && r->Pid == 400);

    while ((r = (PROC_RECORD *)RtlGetElementGenericTableAvl(&table, 0)) != NULL) {
        key.Pid = r->Pid;
        RtlDeleteElementGenericTableAvl(&table, &key);
    }
    CHECK(RtlIsGenericTableEmptyAvl(&table) && ctx.Frees == 5);
    CHECK(table.BalancedRoot.RightChild == NULL);
    return failures;
}

int WildAvlTable(void)
{
    PROC_RECORD r = { 1, 1 };
    BOOLEAN isNew;
    /* A table pointer nobody initialized: its header is read, the read faults. */
    return RtlInsertElementGenericTableAvl((PRTL_AVL_TABLE)WILD_POINTER, &r, sizeof(r), &isNew) != NULL;
}
