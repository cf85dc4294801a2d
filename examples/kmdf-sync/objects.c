/* kmdfsync: wait locks, spin locks, collections and object contexts, checked in C. Each Test*
   routine returns 0 or the number of the first failed check. */
#include "kmdfsync.h"

#define CHECK(n, cond) do { if (!(cond)) return (n); } while (0)
#define STATUS_OBJECT_NAME_EXISTS_ ((NTSTATUS)0x40000000L)

ULONG NTAPI TestWaitLock(VOID)
{
    WDFWAITLOCK lock;
    WDF_OBJECT_ATTRIBUTES attributes;
    LONGLONG zero = 0, tenMs = WDF_REL_TIMEOUT_IN_MS(10);
    LARGE_INTEGER before, after, frequency;
    CHECK(1, WdfWaitLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &lock) == STATUS_SUCCESS);
    CHECK(2, WdfWaitLockAcquire(lock, NULL) == STATUS_SUCCESS);
    /* Held: a try fails at once, a timed wait fails when its time has passed on the emulated clock. */
    CHECK(3, WdfWaitLockAcquire(lock, &zero) == STATUS_TIMEOUT);
    before = KeQueryPerformanceCounter(&frequency);
    CHECK(4, WdfWaitLockAcquire(lock, &tenMs) == STATUS_TIMEOUT);
    after = KeQueryPerformanceCounter(NULL);
    CHECK(5, after.QuadPart - before.QuadPart >= frequency.QuadPart / 100);
    /* The owner runs with normal kernel APCs disabled (a critical region) until it releases. */
    CHECK(6, KeAreApcsDisabled());
    WdfWaitLockRelease(lock);
    CHECK(7, !KeAreApcsDisabled());
    CHECK(8, WdfWaitLockAcquire(lock, &zero) == STATUS_SUCCESS);
    WdfWaitLockRelease(lock);
    /* Attributes are validated like every object's. */
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.Size = 8;
    CHECK(9, WdfWaitLockCreate(&attributes, &lock) == STATUS_INFO_LENGTH_MISMATCH);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = KmdfSyncDevice;
    CHECK(10, WdfWaitLockCreate(&attributes, &lock) == STATUS_SUCCESS);
    WdfObjectDelete(lock);
    return 0;
}

ULONG NTAPI TestSpinLock(VOID)
{
    WDFSPINLOCK lock;
    KIRQL old;
    CHECK(1, WdfSpinLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &lock) == STATUS_SUCCESS);
    CHECK(2, KeGetCurrentIrql() == PASSIVE_LEVEL);
    WdfSpinLockAcquire(lock);
    CHECK(3, KeGetCurrentIrql() == DISPATCH_LEVEL);
    WdfSpinLockRelease(lock);
    CHECK(4, KeGetCurrentIrql() == PASSIVE_LEVEL);
    /* Acquired at DISPATCH_LEVEL, released back to DISPATCH_LEVEL. */
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    WdfSpinLockAcquire(lock);
    WdfSpinLockRelease(lock);
    CHECK(5, KeGetCurrentIrql() == DISPATCH_LEVEL);
    KeLowerIrql(old);
    WdfObjectDelete(lock);
    return 0;
}

static LONG Destroyed;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP CountDestroy;
static VOID NTAPI CountDestroy(WDFOBJECT Object) { UNREFERENCED_PARAMETER(Object); InterlockedIncrement(&Destroyed); }

ULONG NTAPI TestCollection(VOID)
{
    WDFCOLLECTION c;
    WDFMEMORY m[3], other;
    WDF_OBJECT_ATTRIBUTES attributes;
    PVOID buffer;
    size_t size;
    ULONG i;
    Destroyed = 0;
    CHECK(1, WdfCollectionCreate(WDF_NO_OBJECT_ATTRIBUTES, &c) == STATUS_SUCCESS);
    CHECK(2, WdfCollectionGetCount(c) == 0 && WdfCollectionGetFirstItem(c) == NULL && WdfCollectionGetLastItem(c) == NULL);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtDestroyCallback = CountDestroy;
    for (i = 0; i < 3; i++) {
        CHECK(3, WdfMemoryCreate(&attributes, NonPagedPoolNx, 'cSyK', 16, &m[i], &buffer) == STATUS_SUCCESS);
        CHECK(4, WdfCollectionAdd(c, m[i]) == STATUS_SUCCESS);
    }
    CHECK(5, WdfCollectionGetCount(c) == 3);
    CHECK(6, WdfCollectionGetItem(c, 1) == m[1] && WdfCollectionGetFirstItem(c) == m[0] && WdfCollectionGetLastItem(c) == m[2]);
    CHECK(7, WdfCollectionGetItem(c, 3) == NULL);
    WdfCollectionRemove(c, m[1]);
    CHECK(8, WdfCollectionGetCount(c) == 2 && WdfCollectionGetItem(c, 1) == m[2]);
    /* m[1] left the collection but is still the driver's: not destroyed. */
    CHECK(9, Destroyed == 0);
    WdfObjectDelete(m[1]);
    CHECK(10, Destroyed == 1);
    /* Deleted while in the collection: the collection's reference keeps it until it is removed. */
    WdfObjectDelete(m[0]);
    CHECK(11, Destroyed == 1);
    WdfCollectionRemoveItem(c, 0);
    CHECK(12, Destroyed == 2 && WdfCollectionGetCount(c) == 1 && WdfCollectionGetFirstItem(c) == m[2]);
    /* Out of range and not-a-member removals change nothing. */
    WdfCollectionRemoveItem(c, 5);
    CHECK(13, WdfWaitLockCreate(WDF_NO_OBJECT_ATTRIBUTES, (WDFWAITLOCK *)&other) == STATUS_SUCCESS);
    WdfCollectionRemove(c, other);
    CHECK(14, WdfCollectionGetCount(c) == 1);
    WdfObjectDelete(other);
    /* Deleting the collection drops its reference; m[2] lives on (its parent is the driver). */
    WdfObjectDelete(c);
    CHECK(15, Destroyed == 2);
    CHECK(16, WdfMemoryGetBuffer(m[2], &size) != NULL && size == 16);
    WdfObjectDelete(m[2]);
    CHECK(17, Destroyed == 3);
    return 0;
}

typedef struct _CTX_A { ULONG Value; } CTX_A;
typedef struct _CTX_B { ULONGLONG Words[4]; } CTX_B;
static const WDF_OBJECT_CONTEXT_TYPE_INFO SyncCtxTypeA = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "CTX_A", sizeof(CTX_A), &SyncCtxTypeA, NULL };
static const WDF_OBJECT_CONTEXT_TYPE_INFO SyncCtxTypeB = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "CTX_B", sizeof(CTX_B), &SyncCtxTypeB, NULL };
static WDFOBJECT CleanedUp[4];
static LONG Order;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP CleanupA, CleanupB, DestroyB;
static VOID NTAPI CleanupA(WDFOBJECT Object) { CleanedUp[Order++ & 3] = Object; }
static VOID NTAPI CleanupB(WDFOBJECT Object) { CleanedUp[Order++ & 3] = (WDFOBJECT)((ULONG_PTR)Object | 1); }
static VOID NTAPI DestroyB(WDFOBJECT Object) { CleanedUp[Order++ & 3] = (WDFOBJECT)((ULONG_PTR)Object | 2); }

ULONG NTAPI TestContext(VOID)
{
    WDF_OBJECT_ATTRIBUTES a, b;
    WDFMEMORY mem;
    PVOID buffer, again;
    CTX_A *ca;
    CTX_B *cb;
    ULONG i;
    Order = 0;
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    a.ContextTypeInfo = &SyncCtxTypeA;
    a.EvtCleanupCallback = CleanupA;
    CHECK(1, WdfMemoryCreate(&a, NonPagedPoolNx, 'cSyK', 8, &mem, &buffer) == STATUS_SUCCESS);
    ca = (CTX_A *)WdfObjectGetTypedContextWorker(mem, &SyncCtxTypeA);
    CHECK(2, ca != NULL && ca->Value == 0);
    ca->Value = 0x1234;
    CHECK(3, WdfObjectGetTypedContextWorker(mem, &SyncCtxTypeB) == NULL);
    WDF_OBJECT_ATTRIBUTES_INIT(&b);
    b.ContextTypeInfo = &SyncCtxTypeB;
    b.EvtCleanupCallback = CleanupB;
    b.EvtDestroyCallback = DestroyB;
    CHECK(4, WdfObjectAllocateContext(mem, &b, (PVOID *)&cb) == STATUS_SUCCESS);
    CHECK(5, cb != NULL && (PVOID)cb != (PVOID)ca);
    for (i = 0; i < 4; i++) CHECK(6, cb->Words[i] == 0);
    CHECK(7, WdfObjectGetTypedContextWorker(mem, &SyncCtxTypeB) == cb && WdfObjectGetTypedContextWorker(mem, &SyncCtxTypeA) == ca && ca->Value == 0x1234);
    /* A second context of the same type: STATUS_OBJECT_NAME_EXISTS, and the one there. */
    CHECK(8, WdfObjectAllocateContext(mem, &b, &again) == STATUS_OBJECT_NAME_EXISTS_ && again == cb);
    /* The attributes of an added context name no parent, and a type. */
    b.ParentObject = KmdfSyncDevice;
    CHECK(9, WdfObjectAllocateContext(mem, &b, &again) == STATUS_INVALID_PARAMETER);
    b.ParentObject = NULL;
    b.ContextTypeInfo = NULL;
    CHECK(10, WdfObjectAllocateContext(mem, &b, &again) == STATUS_INVALID_PARAMETER);
    CHECK(11, WdfObjectContextGetObject(ca) == mem && WdfObjectContextGetObject(cb) == mem);
    /* Deletion: the object's own cleanup, then the added context's cleanup, then its destroy. */
    WdfObjectDelete(mem);
    CHECK(12, Order == 3);
    CHECK(13, CleanedUp[0] == mem && CleanedUp[1] == (WDFOBJECT)((ULONG_PTR)mem | 1) && CleanedUp[2] == (WDFOBJECT)((ULONG_PTR)mem | 2));
    return 0;
}

/* Bad arguments: each is a KMDF verifier bug check (or a deadlock report). */
VOID NTAPI BadWaitLockHandle(VOID)
{
    WDFSPINLOCK spin;
    if (WdfSpinLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &spin) == STATUS_SUCCESS) WdfWaitLockAcquire((WDFWAITLOCK)spin, NULL);
}
VOID NTAPI BadRecursiveWaitLock(VOID)
{
    WDFWAITLOCK lock;
    if (WdfWaitLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &lock) != STATUS_SUCCESS) return;
    WdfWaitLockAcquire(lock, NULL);
    WdfWaitLockAcquire(lock, NULL);
}
VOID NTAPI BadCollectionNull(VOID) { WdfCollectionCreate(WDF_NO_OBJECT_ATTRIBUTES, NULL); }
VOID NTAPI BadAllocateContextNull(VOID)
{
    WDFMEMORY mem;
    PVOID buffer, ctx;
    if (WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPoolNx, 'cSyK', 8, &mem, &buffer) == STATUS_SUCCESS) WdfObjectAllocateContext(mem, NULL, &ctx);
}
