/*
 * Interlocked doubly and singly linked lists under a spin lock, sequenced lists (SLIST) with
 * the inline depth query, and lookaside lists used through the WDK's inline allocate/free.
 */
#include "apirtlx.h"

typedef struct _ITEM {
    LIST_ENTRY Link;
    SINGLE_LIST_ENTRY Single;
    int Value;
} ITEM;

typedef DECLSPEC_ALIGN(16) struct _SITEM {
    SLIST_ENTRY Entry;
    int Value;
} SITEM;

int TestLists(void)
{
    int failures = 0;
    LIST_ENTRY head;
    SINGLE_LIST_ENTRY shead;
    KSPIN_LOCK lock;
    ITEM a, b, c;
    PLIST_ENTRY e;
    PSINGLE_LIST_ENTRY s;
    DECLSPEC_ALIGN(16) SLIST_HEADER sl;
    static SITEM items[3];
    PSLIST_ENTRY se;
    ULONG counter = 5;
    LARGE_INTEGER big, inc;

    InitializeListHead(&head);
    KeInitializeSpinLock(&lock);
    a.Value = 1; b.Value = 2; c.Value = 3;
    CHECK(ExInterlockedInsertTailList(&head, &a.Link, &lock) == NULL); /* was empty */
    CHECK(ExInterlockedInsertTailList(&head, &b.Link, &lock) == &a.Link);
    CHECK(ExInterlockedInsertHeadList(&head, &c.Link, &lock) == &a.Link);
    e = ExInterlockedRemoveHeadList(&head, &lock);
    CHECK(e == &c.Link);
    e = ExInterlockedRemoveHeadList(&head, &lock);
    CHECK(CONTAINING_RECORD(e, ITEM, Link)->Value == 1);
    e = ExInterlockedRemoveHeadList(&head, &lock);
    CHECK(e == &b.Link && IsListEmpty(&head));
    CHECK(ExInterlockedRemoveHeadList(&head, &lock) == NULL);
    CHECK(lock == 0); /* released every time */

    shead.Next = NULL;
    CHECK(ExInterlockedPushEntryList(&shead, &a.Single, &lock) == NULL);
    CHECK(ExInterlockedPushEntryList(&shead, &b.Single, &lock) == &a.Single);
    s = ExInterlockedPopEntryList(&shead, &lock);
    CHECK(s == &b.Single);
    CHECK(ExInterlockedPopEntryList(&shead, &lock) == &a.Single && ExInterlockedPopEntryList(&shead, &lock) == NULL);

    CHECK(ExInterlockedAddUlong(&counter, 3, &lock) == 5 && counter == 8);
    big.QuadPart = 0x100000000LL;
    inc.QuadPart = 5;
    CHECK(ExInterlockedAddLargeInteger(&big, inc, &lock).QuadPart == 0x100000000LL && big.QuadPart == 0x100000005LL);

    InitializeSListHead(&sl);
    CHECK(ExQueryDepthSList(&sl) == 0 && QueryDepthSList(&sl) == 0);
    items[0].Value = 10; items[1].Value = 11; items[2].Value = 12;
    CHECK(InterlockedPushEntrySList(&sl, &items[0].Entry) == NULL);
    CHECK(InterlockedPushEntrySList(&sl, &items[1].Entry) == &items[0].Entry);
    InterlockedPushEntrySList(&sl, &items[2].Entry);
    CHECK(ExQueryDepthSList(&sl) == 3 && QueryDepthSList(&sl) == 3);
    se = InterlockedPopEntrySList(&sl);
    CHECK(se == &items[2].Entry && ((SITEM *)se)->Value == 12);
    se = InterlockedFlushSList(&sl);
    CHECK(se == &items[1].Entry && se->Next == &items[0].Entry && ExQueryDepthSList(&sl) == 0);
    CHECK(InterlockedPopEntrySList(&sl) == NULL);
    return failures;
}

static LONG g_Allocs, g_Frees;

static PVOID NTAPI CountingAllocate(POOL_TYPE Type, SIZE_T Size, ULONG Tag)
{
    g_Allocs++;
    return ExAllocatePoolWithTag(Type, Size, Tag);
}
static VOID NTAPI CountingFree(PVOID Buffer)
{
    g_Frees++;
    ExFreePool(Buffer);
}

int TestLookaside(void)
{
    int failures = 0;
    static NPAGED_LOOKASIDE_LIST np;
    static PAGED_LOOKASIDE_LIST pg;
    static LOOKASIDE_LIST_EX ex;
    PVOID p[6];
    int i;

    /* Default allocator: pool with the list's tag; freed entries are cached (depth 4). */
    ExInitializeNPagedLookasideList(&np, NULL, NULL, 0, 48, RTLX_TAG, 0);
    for (i = 0; i < 6; i++) {
        p[i] = ExAllocateFromNPagedLookasideList(&np);
        CHECK(p[i] != NULL);
    }
    for (i = 0; i < 6; i++) ExFreeToNPagedLookasideList(&np, p[i]);
    CHECK(ExQueryDepthSList(&np.L.ListHead) == 4);
    CHECK(ExAllocateFromNPagedLookasideList(&np) == p[3]); /* the last one cached comes back first */
    ExFreeToNPagedLookasideList(&np, p[3]);
    ExDeleteNPagedLookasideList(&np);

    g_Allocs = g_Frees = 0;
    ExInitializePagedLookasideList(&pg, CountingAllocate, CountingFree, 0, 64, RTLX_TAG, 0);
    p[0] = ExAllocateFromPagedLookasideList(&pg);
    p[1] = ExAllocateFromPagedLookasideList(&pg);
    ExFreeToPagedLookasideList(&pg, p[0]);
    p[2] = ExAllocateFromPagedLookasideList(&pg); /* from the cache: no new allocation */
    CHECK(p[2] == p[0] && g_Allocs == 2);
    ExFreeToPagedLookasideList(&pg, p[1]);
    ExFreeToPagedLookasideList(&pg, p[2]);
    ExDeletePagedLookasideList(&pg); /* frees the two cached entries */
    CHECK(g_Frees == 2);

    CHECK(ExInitializeLookasideListEx(&ex, NULL, NULL, NonPagedPoolNx, 0, 32, RTLX_TAG, 0) == STATUS_SUCCESS);
    p[0] = ExAllocateFromLookasideListEx(&ex);
    CHECK(p[0] != NULL);
    ExFreeToLookasideListEx(&ex, p[0]);
    ExFlushLookasideListEx(&ex);
    CHECK(ExQueryDepthSList(&ex.L.ListHead) == 0);
    ExDeleteLookasideListEx(&ex);
    return failures;
}
