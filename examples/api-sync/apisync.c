/*
 * apisync.sys — pool allocation, fast mutexes, spin locks, events, mutexes, semaphores, waits,
 * IRQL, time, process/thread queries, MmGetSystemRoutineAddress/MmIsAddressValid and object
 * reference counts, each checked in C (exports return their number of failed checks). The last
 * exports misuse synchronization on purpose: the emulator must stop them with a fault report.
 */
#include "../include/apitest.h"

#if defined(_X86_)
/* wdm.h of the WDK: on x86, KeAcquireSpinLockRaiseToDpc is KfAcquireSpinLock (HAL, fastcall),
   and IoIs32bitProcess exists only for _WIN64 (a 32-bit system has no WOW64 processes). */
#define KeAcquireSpinLockRaiseToDpc(SpinLock) KfAcquireSpinLock(SpinLock)
#define IoIs32bitProcess(Irp) FALSE
#endif

/* Routines the x64 headers inline (CR8, KUSER_SHARED_DATA) or mingw's import library lacks:
 * found at run time like a driver targeting several Windows versions would. */
typedef KIRQL (NTAPI *PFN_GET_IRQL)(void);
typedef KIRQL (FASTCALL *PFN_RAISE_IRQL)(KIRQL);
typedef VOID (FASTCALL *PFN_LOWER_IRQL)(KIRQL);
typedef VOID (NTAPI *PFN_KE_LOWER_IRQL)(KIRQL);   /* KeLowerIrql: stdcall on x86, KfLowerIrql is the fastcall one */
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

int NTAPI TestPool(void)
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

int NTAPI TestFastMutex(void)
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

int NTAPI TestSpinLocks(void)
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

int NTAPI TestEvents(void)
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

int NTAPI TestMutexSemaphore(void)
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

int NTAPI TestIrqlExports(void)
{
    int failures = 0;
    PFN_GET_IRQL getIrql = (PFN_GET_IRQL)Routine(L"KeGetCurrentIrql");
    PFN_RAISE_IRQL raise = (PFN_RAISE_IRQL)Routine(L"KfRaiseIrql");
    PFN_KE_LOWER_IRQL lower = (PFN_KE_LOWER_IRQL)Routine(L"KeLowerIrql");
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

int NTAPI TestTime(void)
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

int NTAPI TestProcess(void)
{
    int failures = 0;
    ULONG major = 0, minor = 0, build = 0;
    CHECK(PsGetCurrentProcessId() == (HANDLE)4);
    CHECK(PsGetCurrentThreadId() != NULL);
    CHECK(IoGetCurrentProcess() != NULL && IoGetCurrentProcess() == PsGetCurrentProcess());
    CHECK((PVOID)PsGetCurrentThread() == (PVOID)KeGetCurrentThread());
    CHECK(!PsGetVersion(&major, &minor, &build, NULL) && major >= 6);
    return failures;
}

int NTAPI TestMm(void)
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

int NTAPI TestObjects(void)
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

int NTAPI TestResources(void)
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

int NTAPI DeadlockWait(void)
{
    KeInitializeEvent(&g_ev, NotificationEvent, FALSE);
    KeWaitForSingleObject(&g_ev, Executive, KernelMode, FALSE, NULL);   /* nobody will set it */
    return 1;
}

int NTAPI FastMutexTwice(void)
{
    ExInitializeFastMutex(&g_fm);
    ExAcquireFastMutex(&g_fm);
    ExAcquireFastMutex(&g_fm);                       /* fast mutexes are not recursive */
    return 1;
}

int NTAPI SpinLockTwice(void)
{
    KIRQL a, b;
    KeInitializeSpinLock(&g_lock);
    KeAcquireSpinLock(&g_lock, &a);
    KeAcquireSpinLock(&g_lock, &b);                  /* spins forever on one processor */
    return 1;
}

int NTAPI LowerIrqlUp(void)
{
    PFN_KE_LOWER_IRQL lower = (PFN_KE_LOWER_IRQL)Routine(L"KeLowerIrql");
    if (lower) lower(DISPATCH_LEVEL);                /* "lowering" above the current IRQL */
    return 1;
}

int NTAPI AssertFails(void)
{
    RtlAssert((PVOID)"Count > 0", (PVOID)"apisync.c", 42, NULL);
    return 1;
}

/* ---- the less common routines, many found at run time ---- */

typedef VOID (NTAPI *PFN_VOID)(void);
typedef ULONG (NTAPI *PFN_ULONG)(void);
typedef ULONG64 (NTAPI *PFN_ULONG64)(void);
typedef VOID (NTAPI *PFN_PTR)(PVOID);
typedef KIRQL (FASTCALL *PFN_LOCK)(PKSPIN_LOCK);          /* Kf*: fastcall on x86 (wdm.h) */
typedef VOID (FASTCALL *PFN_UNLOCK)(PKSPIN_LOCK, KIRQL);
typedef VOID (FASTCALL *PFN_PTR_FAST)(PVOID);
typedef VOID (NTAPI *PFN_ACQUIRE_OLD)(PKSPIN_LOCK, PKIRQL);
typedef ULONG64 (NTAPI *PFN_PRECISE)(PULONG64);
typedef PVOID (NTAPI *PFN_CURRENT)(void);
typedef HANDLE (NTAPI *PFN_ID_OF)(PVOID);
typedef BOOLEAN (NTAPI *PFN_BOOL_OF)(PVOID);
typedef LONG_PTR (FASTCALL *PFN_REF_TAG)(PVOID, ULONG);
typedef VOID (NTAPI *PFN_DEFER_TAG)(PVOID, ULONG);
typedef NTSTATUS (NTAPI *PFN_CLOSE_HANDLE)(HANDLE, KPROCESSOR_MODE);
typedef PVOID (NTAPI *PFN_ALLOCATE_POOL3)(ULONG64, SIZE_T, ULONG, PVOID, ULONG);
typedef VOID (NTAPI *PFN_FREE_POOL2)(PVOID, ULONG, PVOID, ULONG);
typedef NTSTATUS (NTAPI *PFN_WAIT)(PVOID, KWAIT_REASON, KPROCESSOR_MODE, BOOLEAN, PLARGE_INTEGER);
typedef ULONG (NTAPI *PFN_PROC_EX)(PVOID);
typedef ULONG (NTAPI *PFN_ACTIVE_COUNT)(PULONG_PTR);
typedef ULONG (NTAPI *PFN_ACTIVE_COUNTX)(USHORT);
typedef VOID (NTAPI *PFN_STATUS)(ULONG);

#define R(type, name) ((type)Routine(L## #name))

int NTAPI TestMisc(void)
{
    int failures = 0;
    KIRQL old;
    PVOID p;
    ULONG64 t1 = 0, t2 = 0;
    LARGE_INTEGER ticks;
    ULONG_PTR affinity = 0;
    PFN_GET_IRQL getIrql = R(PFN_GET_IRQL, KeGetCurrentIrql);
    PFN_LOCK kfAcquire = R(PFN_LOCK, KfAcquireSpinLock);
    PFN_UNLOCK kfRelease = R(PFN_UNLOCK, KfReleaseSpinLock);
    PFN_ACQUIRE_OLD keAcquire = R(PFN_ACQUIRE_OLD, KeAcquireSpinLock);
    PFN_PTR initLock = R(PFN_PTR, KeInitializeSpinLock);
    PFN_PTR_FAST kefAcquire = R(PFN_PTR_FAST, KefAcquireSpinLockAtDpcLevel);
    PFN_PTR_FAST kefRelease = R(PFN_PTR_FAST, KefReleaseSpinLockFromDpcLevel);
    PFN_LOWER_IRQL kfLower = R(PFN_LOWER_IRQL, KfLowerIrql);
    PFN_RAISE_DPC raiseSynch = R(PFN_RAISE_DPC, KeRaiseIrqlToSynchLevel);
    PFN_ULONG64 interruptTime = R(PFN_ULONG64, KeQueryInterruptTime);
    PFN_PRECISE interruptPrecise = R(PFN_PRECISE, KeQueryInterruptTimePrecise);
    PFN_QUERY_SYSTEM_TIME systemPrecise = R(PFN_QUERY_SYSTEM_TIME, KeQuerySystemTimePrecise);
    PFN_QUERY_SYSTEM_TIME tickCount = R(PFN_QUERY_SYSTEM_TIME, KeQueryTickCount);
    PFN_CURRENT currentThread = R(PFN_CURRENT, KeGetCurrentThread);
    PFN_CURRENT psProcess = R(PFN_CURRENT, PsGetCurrentProcess);
    PFN_CURRENT psThread = R(PFN_CURRENT, PsGetCurrentThread);
    PFN_ID_OF processId = R(PFN_ID_OF, PsGetProcessId);
    PFN_ID_OF threadId = R(PFN_ID_OF, PsGetThreadId);
    PFN_BOOL_OF systemThread = R(PFN_BOOL_OF, PsIsSystemThread);
    PFN_ULONG sessionId = R(PFN_ULONG, PsGetCurrentProcessSessionId);
    PFN_REF_TAG refTag = R(PFN_REF_TAG, ObfReferenceObjectWithTag);
    PFN_REF_TAG derefTag = R(PFN_REF_TAG, ObfDereferenceObjectWithTag);
    PFN_PTR deferDelete = R(PFN_PTR, ObDereferenceObjectDeferDelete);
    PFN_DEFER_TAG deferDeleteTag = R(PFN_DEFER_TAG, ObDereferenceObjectDeferDeleteWithTag);
    PFN_CLOSE_HANDLE closeHandle = R(PFN_CLOSE_HANDLE, ObCloseHandle);
    PFN_ALLOCATE_POOL3 allocate3 = R(PFN_ALLOCATE_POOL3, ExAllocatePool3);
    PFN_FREE_POOL2 free2 = R(PFN_FREE_POOL2, ExFreePool2);
    PFN_WAIT waitMutex = R(PFN_WAIT, KeWaitForMutexObject);
    PFN_ULONG processor = R(PFN_ULONG, KeGetCurrentProcessorNumber); /* exported by no kernel: NULL */
    PFN_PROC_EX processorEx = R(PFN_PROC_EX, KeGetCurrentProcessorNumberEx);
    PFN_ACTIVE_COUNT activeCount = R(PFN_ACTIVE_COUNT, KeQueryActiveProcessorCount);
    PFN_ACTIVE_COUNTX activeCountEx = R(PFN_ACTIVE_COUNTX, KeQueryActiveProcessorCountEx);
    PFN_STATUS breakWithStatus = R(PFN_STATUS, DbgBreakPointWithStatus);
    PFN_VOID breakPoint = R(PFN_VOID, DbgBreakPoint);
    PVOID all[] = { getIrql, initLock, raiseSynch, interruptPrecise, systemPrecise, currentThread, psProcess, psThread,
        processId, threadId, systemThread, sessionId, refTag, derefTag, deferDelete, deferDeleteTag, closeHandle, allocate3, free2, waitMutex,
        processorEx, activeCount, activeCountEx, breakWithStatus, breakPoint
#ifndef _WIN64
        , kfAcquire, kfRelease, keAcquire, kefAcquire, kefRelease, kfLower, interruptTime, tickCount
#endif
    };
    ULONG i;
    PROCESSOR_NUMBER pn;

#ifdef _WIN64
    /* Exported on x86 only (the x64 headers make them inlines or macros): an x64 kernel does not
       export them, so MmGetSystemRoutineAddress finds none of them; use the x64 exports instead. */
    CHECK(kfAcquire == NULL && kfRelease == NULL && keAcquire == NULL && kefAcquire == NULL && kefRelease == NULL);
    CHECK(kfLower == NULL && interruptTime == NULL && tickCount == NULL);
    kfAcquire = R(PFN_LOCK, KeAcquireSpinLockRaiseToDpc);
    kfRelease = R(PFN_UNLOCK, KeReleaseSpinLock);
    kefAcquire = R(PFN_PTR, KeAcquireSpinLockAtDpcLevel);
    kefRelease = R(PFN_PTR, KeReleaseSpinLockFromDpcLevel);
    kfLower = R(PFN_LOWER_IRQL, KeLowerIrql);
    interruptTime = R(PFN_ULONG64, KeQueryUnbiasedInterruptTime);
    if (!kfAcquire || !kfRelease || !kefAcquire || !kefRelease || !kfLower || !interruptTime) {
        DbgPrint("FAIL: an x64 spin-lock, IRQL or time export not found\n");
        return failures + 1;
    }
#endif
    CHECK(processor == NULL);                        /* a macro on every arch, exported by no kernel */

    for (i = 0; i < ARRAY_LEN(all); i++)
        if (all[i] == NULL) { DbgPrint("FAIL: routine %lu not found\n", i); failures++; }
    if (failures) return failures;

    /* spin lock entry points */
    initLock(&g_lock);
    old = kfAcquire(&g_lock);
    CHECK(old == PASSIVE_LEVEL && getIrql() == DISPATCH_LEVEL && g_lock != 0);
    kfRelease(&g_lock, old);
    if (keAcquire) {
        keAcquire(&g_lock, &old);
        kfRelease(&g_lock, old);
    }
    old = raiseSynch();
    CHECK(old == PASSIVE_LEVEL && getIrql() > DISPATCH_LEVEL);
    kefAcquire(&g_lock);
    CHECK(!KeTryToAcquireSpinLockAtDpcLevel(&g_lock));
    kefRelease(&g_lock);
    CHECK(KeTryToAcquireSpinLockAtDpcLevel(&g_lock));
    KeReleaseSpinLockFromDpcLevel(&g_lock);
    kfLower(old);
    CHECK(getIrql() == PASSIVE_LEVEL);

    /* time */
    t1 = interruptTime();
    KeStallExecutionProcessor(5);
    CHECK(interruptPrecise(&t2) == t2 && t2 > t1);
    systemPrecise(&ticks);
    CHECK(ticks.QuadPart > 116444736000000000LL);
#ifdef _WIN64
    KeQueryTickCount(&ticks);
#else
    tickCount(&ticks);
#endif
    CHECK(ticks.QuadPart >= 0 && KeQueryTimeIncrement() > 0);

    /* threads, processes, processors */
    CHECK(currentThread() == psThread() && psProcess() == IoGetCurrentProcess());
    CHECK(processId(psProcess()) == (HANDLE)4 && threadId(psThread()) == PsGetCurrentThreadId());
    CHECK(systemThread(psThread()) && sessionId() == 0);
    CHECK(processorEx(&pn) == 0 && pn.Number == 0);
    CHECK(activeCount(&affinity) == 1 && affinity == 1 && activeCountEx(0) == 1);
    CHECK(!IoIs32bitProcess(NULL));
    KeEnterCriticalRegion();
    CHECK(KeAreApcsDisabled());
    KeLeaveCriticalRegion();
    CHECK(!KeAreApcsDisabled());

    /* objects */
    refTag(psProcess(), 'gaTA');
    derefTag(psProcess(), 'gaTA');
    CHECK(ObReferenceObjectByPointer(psProcess(), 0, NULL, KernelMode) == STATUS_SUCCESS);
    deferDelete(psProcess());
    CHECK(ObReferenceObjectByPointer(psProcess(), 0, NULL, KernelMode) == STATUS_SUCCESS);
    deferDeleteTag(psProcess(), 'gaTA');
    CHECK(ObReferenceObjectByHandle((HANDLE)(LONG_PTR)-12345, 0, NULL, KernelMode, &p, NULL) == STATUS_INVALID_HANDLE);
    {
        /* ObCloseHandle closes a kernel handle like ZwClose. */
        HANDLE key = NULL;
        OBJECT_ATTRIBUTES oa;
        UNICODE_STRING keyName = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System");
        InitializeObjectAttributes(&oa, &keyName, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
        CHECK(ZwOpenKey(&key, KEY_READ, &oa) == STATUS_SUCCESS);
        CHECK(closeHandle(key, KernelMode) == STATUS_SUCCESS);
    }

    /* pool variants */
    p = ExAllocatePoolWithQuota((POOL_TYPE)(PagedPool | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE), 16);
    CHECK(p != NULL);
    if (p) ExFreePool(p);
    p = ExAllocatePoolWithTagPriority(NonPagedPool, 16, TAG, NormalPoolPriority);
    CHECK(p != NULL && MmIsNonPagedSystemAddressValid(p));
    if (p) free2(p, TAG, NULL, 0);
    p = allocate3(POOL_FLAG_NON_PAGED, 24, TAG, NULL, 0);
    CHECK(p != NULL && *(PULONG64)p == 0);
    if (p) ExFreePoolWithTag(p, TAG);

    /* waits and resources */
    KeInitializeMutex(&g_mutex, 0);
    CHECK(waitMutex(&g_mutex, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS);
    KeReleaseMutex(&g_mutex, FALSE);
    ExInitializeResourceLite(&g_resource);
    ExAcquireResourceExclusiveLite(&g_resource, TRUE);
    ExReleaseResourceForThreadLite(&g_resource, (ERESOURCE_THREAD)psThread());
    CHECK(!ExIsResourceAcquiredExclusiveLite(&g_resource));
    ExDeleteResourceLite(&g_resource);

    /* debugger entry points: no debugger, execution continues */
    breakPoint();
    breakWithStatus(0x1234);
    CHECK(DbgPrintReturnControlC("apisync: %s\n", "control-c check") == STATUS_SUCCESS);
    return failures;
}

int NTAPI BugCheckPlain(void)
{
    KeBugCheck(0xDEADDEAD);
}

int NTAPI BugCheckWithParameters(void)
{
    KeBugCheckEx(0x000000E2 /* MANUALLY_INITIATED_CRASH */, 1, 0xFFFF, 0, 0x1234);
}
