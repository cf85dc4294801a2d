/*
 * DPCs and timers: a DPC queued at PASSIVE_LEVEL runs at once, one queued under a spin lock
 * runs when the lock is released; timers expire as the emulated clock passes their due time.
 */
#include "apisched.h"

static SCHED_LOG g_Log;

static VOID NTAPI DpcRoutine(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg2);
    LogEvent(&g_Log, (LONG)(ULONG_PTR)Context, Arg1);
}

int TestDpc(void)
{
    int failures = 0;
    KDPC dpc;
    KSPIN_LOCK lock;
    KIRQL old;

    RtlZeroMemory(&g_Log, sizeof(g_Log));
    KeInitializeDpc(&dpc, DpcRoutine, (PVOID)1);
    KeSetImportanceDpc(&dpc, HighImportance);
    KeSetTargetProcessorDpc(&dpc, 0);
    CHECK(KeInsertQueueDpc(&dpc, (PVOID)0x11, NULL) == TRUE);
    /* Queued at PASSIVE_LEVEL: it has run before KeInsertQueueDpc returned. */
    CHECK(g_Log.Count == 1 && g_Log.Order[0] == 1 && g_Log.Argument[0] == (PVOID)0x11);

    KeInitializeSpinLock(&lock);
    KeAcquireSpinLock(&lock, &old);
    CHECK(KeInsertQueueDpc(&dpc, (PVOID)0x22, NULL) == TRUE);
    CHECK(KeInsertQueueDpc(&dpc, (PVOID)0x33, NULL) == FALSE); /* already queued */
    CHECK(g_Log.Count == 1);
    KeReleaseSpinLock(&lock, old);
    CHECK(g_Log.Count == 2 && g_Log.Argument[1] == (PVOID)0x22);

    /* Removed before it could run. */
    KeAcquireSpinLock(&lock, &old);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    CHECK(KeRemoveQueueDpc(&dpc) == TRUE);
    CHECK(KeRemoveQueueDpc(&dpc) == FALSE);
    KeReleaseSpinLock(&lock, old);
    CHECK(g_Log.Count == 2);
    KeFlushQueuedDpcs();

    /* A threaded DPC runs the same way here (one processor, no DPC thread). */
    KeInitializeThreadedDpc(&dpc, DpcRoutine, (PVOID)3);
    CHECK(KeInsertQueueDpc(&dpc, (PVOID)0x44, NULL) == TRUE);
    CHECK(g_Log.Count == 3 && g_Log.Order[2] == 3);
    return failures;
}

int TestTimers(void)
{
    int failures = 0;
    KTIMER timer, periodic, sync;
    KDPC dpc;
    LARGE_INTEGER due, timeout, t0, t1;
    NTSTATUS st;

    RtlZeroMemory(&g_Log, sizeof(g_Log));
    KeInitializeTimer(&timer);
    CHECK(KeReadStateTimer(&timer) == FALSE);
    due.QuadPart = RELATIVE_MS(50);
    CHECK(KeSetTimer(&timer, due, NULL) == FALSE);
    CHECK(KeSetTimer(&timer, due, NULL) == TRUE); /* was still pending */
    /* Waiting on it: the clock moves 50 ms and the timer is signaled. */
    KeQuerySystemTime(&t0);
    st = KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, NULL);
    KeQuerySystemTime(&t1);
    CHECK(st == STATUS_SUCCESS);
    CHECK(t1.QuadPart - t0.QuadPart == 50 * 10000);
    CHECK(KeReadStateTimer(&timer) == TRUE);

    /* A periodic timer with a DPC: 3 expirations during a 35 ms sleep at 10 ms intervals. */
    KeInitializeDpc(&dpc, DpcRoutine, (PVOID)2);
    KeInitializeTimerEx(&periodic, NotificationTimer);
    due.QuadPart = RELATIVE_MS(10);
    KeSetTimerEx(&periodic, due, 10, &dpc);
    timeout.QuadPart = RELATIVE_MS(35);
    KeDelayExecutionThread(KernelMode, FALSE, &timeout);
    CHECK(g_Log.Count == 3);
    CHECK(g_Log.Order[0] == 2 && g_Log.Order[2] == 2);
    CHECK(KeCancelTimer(&periodic) == TRUE);
    CHECK(KeCancelTimer(&periodic) == FALSE);
    KeDelayExecutionThread(KernelMode, FALSE, &timeout);
    CHECK(g_Log.Count == 3);

    /* A synchronization timer is consumed by the wait; a wait shorter than the due time times out. */
    KeInitializeTimerEx(&sync, SynchronizationTimer);
    due.QuadPart = RELATIVE_MS(100);
    KeSetTimer(&sync, due, NULL);
    timeout.QuadPart = RELATIVE_MS(40);
    CHECK(KeWaitForSingleObject(&sync, Executive, KernelMode, FALSE, &timeout) == STATUS_TIMEOUT);
    timeout.QuadPart = RELATIVE_MS(100);
    CHECK(KeWaitForSingleObject(&sync, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS);
    CHECK(KeReadStateTimer(&sync) == FALSE);
    return failures;
}

/* A DPC object that was never initialized: the emulator stops with a fault. */
int WildDpc(void)
{
    return KeInsertQueueDpc((PKDPC)(ULONG_PTR)0xFFFFA000DEAD0000ULL, NULL, NULL);
}
