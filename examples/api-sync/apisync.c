/*
 * apisync.sys — pool allocation, fast mutexes, spin locks, events, mutexes, semaphores, waits,
 * IRQL, time, process/thread queries, MmGetSystemRoutineAddress/MmIsAddressValid and object
 * reference counts, each checked in C (exports return their number of failed checks). The last
 * exports misuse synchronization on purpose: the emulator must stop them with a fault report.
 */
#include "../include/apitest.h"

/* Routines the x64 headers inline (CR8, KUSER_SHARED_DATA) or mingw's import library lacks:
 * found at run time like a driver targeting several Windows versions would. */
typedef KIRQL (NTAPI *PFN_GET_IRQL)(void);
typedef KIRQL (FASTCALL *PFN_RAISE_IRQL)(KIRQL);
typedef VOID (FASTCALL *PFN_LOWER_IRQL)(KIRQL);
typedef KIRQL (NTAPI *PFN_RAISE_DPC)(void);
typedef PVOID (NTAPI *PFN_ALLOCATE_POOL2)(ULONG64 Flags, SIZE_T Size, ULONG Tag);
typedef VOID (NTAPI *PFN_QUERY_SYSTEM_TIME)(PLARGE_INTEGER);

#define TAG 'tsPA' /* "APst" */

/* ExAllocatePool2 flags (wdm.h of WDK 10.0.19041; mingw-w64's headers predate them). */
#ifndef POOL_FLAG_NON_PAGED
#define POOL_FLAG_UNINITIALIZED 0x0000000000000002ULL
#define POOL_FLAG_NON_PAGED     0x0000000000000040ULL
#define POOL_FLAG_PAGED         0x0000000000000100ULL
#endif

EXPORT_DRIVER_BOILERPLATE(apisync)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

static PVOID Routine(PCWSTR name)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    return MmGetSystemRoutineAddress(&u);
}

int TestPool(void)
{
    int failures = 0;
    UCHAR *a, *b, *c, *d;
    PFN_ALLOCATE_POOL2 allocate2 = (PFN_ALLOCATE_POOL2)Routine(L"ExAllocatePool2");
    SIZE_T i;
    BOOLEAN zeroed = TRUE;

    a = (UCHAR *)ExAllocatePoolWithTag(NonPagedPool, 100, TAG);
    b = (UCHAR *)ExAllocatePool(PagedPool, 10);
    c = (UCHAR *)ExAllocatePoolWithQuotaTag((POOL_TYPE)(NonPagedPool | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE), 32, TAG);
    CHECK(a != NULL && b != NULL && c != NULL);
    CHECK(a != b && b != c && ((ULONG_PTR)a & 0xF) == 0);
    if (a) { a[0] = 1; a[99] = 2; }
    CHECK(allocate2 != NULL);
    if (allocate2) {
        d = (UCHAR *)allocate2(POOL_FLAG_NON_PAGED, 4096, TAG);
        CHECK(d != NULL);
        for (i = 0; d && i < 4096; i++) if (d[i] != 0) zeroed = FALSE;
        CHECK(zeroed);                                   /* ExAllocatePool2 zeroes by default */
        if (d) ExFreePoolWithTag(d, TAG);
        CHECK(allocate2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 16, TAG) == NULL);   /* two pool kinds */
        d = (UCHAR *)allocate2(POOL_FLAG_PAGED | POOL_FLAG_UNINITIALIZED, 8, TAG);
        CHECK(d != NULL);
        if (d) ExFreePool(d);
    }
    if (a) ExFreePoolWithTag(a, TAG);
    if (b) ExFreePool(b);
    if (c) ExFreePoolWithTag(c, TAG);
    return failures;
}

static FAST_MUTEX g_fm;

int TestFastMutex(void)
{
    int failures = 0;
    ExInitializeFastMutex(&g_fm);                     /* inline in wdm.h: calls KeInitializeEvent */
    CHECK(g_fm.Count == FM_LOCK_BIT && g_fm.Owner == NULL);
    ExAcquireFastMutex(&g_fm);
    CHECK(g_fm.Owner == KeGetCurrentThread() && (g_fm.Count & FM_LOCK_BIT) == 0);
    CHECK(!ExTryToAcquireFastMutex(&g_fm));
    ExReleaseFastMutex(&g_fm);
    CHECK(g_fm.Owner == NULL && (g_fm.Count & FM_LOCK_BIT) != 0);
    CHECK(ExTryToAcquireFastMutex(&g_fm));
    ExReleaseFastMutex(&g_fm);
    ExAcquireFastMutexUnsafe(&g_fm);
    ExReleaseFastMutexUnsafe(&g_fm);
    CHECK(g_fm.Count == FM_LOCK_BIT);
    return failures;
}

static KSPIN_LOCK g_lock;

int TestSpinLocks(void)
{
    int failures = 0;
    KIRQL old, inner;
    PFN_GET_IRQL getIrql = (PFN_GET_IRQL)Routine(L"KeGetCurrentIrql");
    KeInitializeSpinLock(&g_lock);
    CHECK(g_lock == 0 && getIrql != NULL);
    KeAcquireSpinLock(&g_lock, &old);                /* = KeAcquireSpinLockRaiseToDpc on x64 */
    CHECK(old == PASSIVE_LEVEL && g_lock != 0);
    if (getIrql) CHECK(getIrql() == DISPATCH_LEVEL);
    KeReleaseSpinLock(&g_lock, old);
    CHECK(g_lock == 0);
    if (getIrql) CHECK(getIrql() == PASSIVE_LEVEL);
    old = KeAcquireSpinLockRaiseToDpc(&g_lock);
    KeReleaseSpinLockFromDpcLevel(&g_lock);
    KeAcquireSpinLockAtDpcLevel(&g_lock);
    inner = getIrql ? getIrql() : 0;
    KeReleaseSpinLock(&g_lock, old);
    CHECK(inner == DISPATCH_LEVEL && g_lock == 0);
    return failures;
}

static KEVENT g_ev;

int TestEvents(void)
{
    int failures = 0;
    LARGE_INTEGER zero;
    zero.QuadPart = 0;
    KeInitializeEvent(&g_ev, NotificationEvent, FALSE);
    CHECK(KeReadStateEvent(&g_ev) == 0);
    CHECK(KeWaitForSingleObject(&g_ev, Executive, KernelMode, FALSE, &zero) == STATUS_TIMEOUT);
    CHECK(KeSetEvent(&g_ev, IO_NO_INCREMENT, FALSE) == 0);
    CHECK(KeReadStateEvent(&g_ev) == 1);
    CHECK(KeWaitForSingleObject(&g_ev, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS);
    CHECK(KeReadStateEvent(&g_ev) == 1);             /* notification events stay signaled */
    CHECK(KeResetEvent(&g_ev) == 1 && KeReadStateEvent(&g_ev) == 0);

    KeInitializeEvent(&g_ev, SynchronizationEvent, TRUE);
    CHECK(KeWaitForSingleObject(&g_ev, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS);
    CHECK(KeReadStateEvent(&g_ev) == 0);             /* synchronization events auto-reset */
    CHECK(KeWaitForSingleObject(&g_ev, Executive, KernelMode, FALSE, &zero) == STATUS_TIMEOUT);
    KeSetEvent(&g_ev, IO_NO_INCREMENT, FALSE);
    KeClearEvent(&g_ev);
    CHECK(KeReadStateEvent(&g_ev) == 0);
    return failures;
}

static KMUTEX g_mutex;
static KSEMAPHORE g_sem;

int TestMutexSemaphore(void)
{
    int failures = 0;
    LARGE_INTEGER zero;
    PVOID objs[2];
    zero.QuadPart = 0;
    KeInitializeMutex(&g_mutex, 0);
    CHECK(KeReadStateMutex(&g_mutex) == 1);
    CHECK(KeWaitForSingleObject(&g_mutex, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS);
    CHECK(KeReadStateMutex(&g_mutex) == 0);
    CHECK(KeWaitForSingleObject(&g_mutex, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS); /* recursive */
    CHECK(KeReleaseMutex(&g_mutex, FALSE) == -1);
    CHECK(KeReleaseMutex(&g_mutex, FALSE) == 0);
    CHECK(KeReadStateMutex(&g_mutex) == 1);

    KeInitializeSemaphore(&g_sem, 2, 3);
    CHECK(KeReadStateSemaphore(&g_sem) == 2);
    CHECK(KeWaitForSingleObject(&g_sem, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS);
    CHECK(KeWaitForSingleObject(&g_sem, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS);
    CHECK(KeWaitForSingleObject(&g_sem, Executive, KernelMode, FALSE, &zero) == STATUS_TIMEOUT);
    CHECK(KeReleaseSemaphore(&g_sem, IO_NO_INCREMENT, 3, FALSE) == 0);
    CHECK(KeReadStateSemaphore(&g_sem) == 3);

    KeInitializeEvent(&g_ev, NotificationEvent, FALSE);
    objs[0] = &g_ev;
    objs[1] = &g_sem;
    CHECK(KeWaitForMultipleObjects(2, objs, WaitAny, Executive, KernelMode, FALSE, NULL, NULL) == STATUS_WAIT_1);
    CHECK(KeWaitForMultipleObjects(2, objs, WaitAll, Executive, KernelMode, FALSE, &zero, NULL) == STATUS_TIMEOUT);
    return failures;
}

int TestIrqlExports(void)
{
    int failures = 0;
    PFN_GET_IRQL getIrql = (PFN_GET_IRQL)Routine(L"KeGetCurrentIrql");
    PFN_RAISE_IRQL raise = (PFN_RAISE_IRQL)Routine(L"KfRaiseIrql");
    PFN_LOWER_IRQL lower = (PFN_LOWER_IRQL)Routine(L"KeLowerIrql");
    PFN_RAISE_DPC raiseDpc = (PFN_RAISE_DPC)Routine(L"KeRaiseIrqlToDpcLevel");
    KIRQL old;
    CHECK(getIrql && raise && lower && raiseDpc);
    if (!(getIrql && raise && lower && raiseDpc)) return failures;
    CHECK(getIrql() == PASSIVE_LEVEL);
    old = raise(APC_LEVEL);
    CHECK(old == PASSIVE_LEVEL && getIrql() == APC_LEVEL);
    CHECK(raiseDpc() == APC_LEVEL && getIrql() == DISPATCH_LEVEL);
    lower(old);
    CHECK(getIrql() == PASSIVE_LEVEL);
    CHECK(Routine(L"NoSuchRoutine") == NULL);
    CHECK(Routine(L"DllInitialize") == NULL);      /* only ntoskrnl and hal are searched */
    return failures;
}

int TestTime(void)
{
    int failures = 0;
    LARGE_INTEGER f, c1, c2, t1, t2, interval;
    PFN_QUERY_SYSTEM_TIME querySystemTime = (PFN_QUERY_SYSTEM_TIME)Routine(L"KeQuerySystemTime");
    c1 = KeQueryPerformanceCounter(&f);
    CHECK(f.QuadPart > 0);
    KeStallExecutionProcessor(10);
    c2 = KeQueryPerformanceCounter(NULL);
    CHECK(c2.QuadPart > c1.QuadPart);
    KeQuerySystemTime(&t1);                         /* inline: reads KUSER_SHARED_DATA */
    interval.QuadPart = -10 * 1000 * 1000;          /* one second, relative */
    CHECK(KeDelayExecutionThread(KernelMode, FALSE, &interval) == STATUS_SUCCESS);
    KeQuerySystemTime(&t2);
    CHECK(t2.QuadPart - t1.QuadPart >= 10 * 1000 * 1000);
    if (querySystemTime) {                          /* the exported form, when a kernel has it */
        querySystemTime(&t1);
        CHECK(t1.QuadPart >= t2.QuadPart);
    }
    CHECK(t1.QuadPart > 116444736000000000LL);      /* after 1970 */
    return failures;
}

int TestProcess(void)
{
    int failures = 0;
    ULONG major = 0, minor = 0, build = 0;
    CHECK(PsGetCurrentProcessId() == (HANDLE)4);
    CHECK(PsGetCurrentThreadId() != NULL);
    CHECK(IoGetCurrentProcess() != NULL && IoGetCurrentProcess() == PsGetCurrentProcess());
    CHECK(PsGetCurrentThread() == KeGetCurrentThread());
    CHECK(!PsGetVersion(&major, &minor, &build, NULL) && major >= 6);
    return failures;
}

int TestMm(void)
{
    int failures = 0;
    PUCHAR p = (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, 64, TAG);
    PHYSICAL_ADDRESS pa;
    CHECK(p != NULL);
    if (!p) return failures;
    CHECK(MmIsAddressValid(p));
    CHECK(MmIsAddressValid((PVOID)TestMm));
    CHECK(!MmIsAddressValid((PVOID)(ULONG_PTR)0x1000));
    CHECK(!MmIsAddressValid(NULL));
    pa = MmGetPhysicalAddress(p);
    CHECK(pa.QuadPart != 0);
    ExFreePoolWithTag(p, TAG);
    return failures;
}

int TestObjects(void)
{
    int failures = 0;
    PEPROCESS process = PsGetCurrentProcess();
    /* The system process is permanent: references come and go without freeing it. */
    ObReferenceObject(process);
    ObReferenceObject(process);
    ObDereferenceObject(process);
    ObDereferenceObject(process);
    CHECK(PsGetCurrentProcess() == process);
    return failures;
}

static ERESOURCE g_resource;

int TestResources(void)
{
    int failures = 0;
    CHECK(ExInitializeResourceLite(&g_resource) == STATUS_SUCCESS);
    KeEnterCriticalRegion();
    CHECK(ExAcquireResourceExclusiveLite(&g_resource, TRUE));
    CHECK(ExIsResourceAcquiredExclusiveLite(&g_resource));
    ExReleaseResourceLite(&g_resource);
    CHECK(ExAcquireResourceSharedLite(&g_resource, TRUE));
    CHECK(!ExIsResourceAcquiredExclusiveLite(&g_resource) && ExIsResourceAcquiredSharedLite(&g_resource) == 1);
    ExReleaseResourceLite(&g_resource);
    KeLeaveCriticalRegion();
    CHECK(ExDeleteResourceLite(&g_resource) == STATUS_SUCCESS);
    return failures;
}

/* ---- misuse: each of these must end in a fault report ---- */

int DeadlockWait(void)
{
    KeInitializeEvent(&g_ev, NotificationEvent, FALSE);
    KeWaitForSingleObject(&g_ev, Executive, KernelMode, FALSE, NULL);   /* nobody will set it */
    return 1;
}

int FastMutexTwice(void)
{
    ExInitializeFastMutex(&g_fm);
    ExAcquireFastMutex(&g_fm);
    ExAcquireFastMutex(&g_fm);                       /* fast mutexes are not recursive */
    return 1;
}

int SpinLockTwice(void)
{
    KIRQL a, b;
    KeInitializeSpinLock(&g_lock);
    KeAcquireSpinLock(&g_lock, &a);
    KeAcquireSpinLock(&g_lock, &b);                  /* spins forever on one processor */
    return 1;
}

int LowerIrqlUp(void)
{
    PFN_LOWER_IRQL lower = (PFN_LOWER_IRQL)Routine(L"KeLowerIrql");
    if (lower) lower(DISPATCH_LEVEL);                /* "lowering" above the current IRQL */
    return 1;
}

int AssertFails(void)
{
    RtlAssert((PVOID)"Count > 0", (PVOID)"apisync.c", 42, NULL);
    return 1;
}
