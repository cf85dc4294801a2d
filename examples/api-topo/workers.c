/*
 * apitopo.sys, per-processor workers (the pattern of CpuMonitorGui.sys, fresh3): one system thread
 * per processor, each pinned to its processor with KeSetSystemGroupAffinityThread, loops waiting on
 * one semaphore; the requester releases the semaphore by the processor count and waits until every
 * worker has reported. On Windows KeReleaseSemaphore(Adjustment N) satisfies the waits of N waiting
 * threads at once, each taking one count, so each worker reports exactly once per request; a
 * scheduler that let the first worker to run take all N counts would report one processor N times.
 */
#include "apitopo.h"

#define MAX_WORKERS 64
static KSEMAPHORE Go;
static KSPIN_LOCK Lock;
static volatile LONG Reports, Stop;
static LONG Hits[MAX_WORKERS];

static VOID Worker(PVOID context)
{
    ULONG i = (ULONG)(ULONG_PTR)context;
    GROUP_AFFINITY aff;
    KIRQL old;
    RtlZeroMemory(&aff, sizeof(aff));
    aff.Mask = (KAFFINITY)1 << i;
    KeSetSystemGroupAffinityThread(&aff, NULL);
    for (;;) {
        KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, NULL);
        if (Stop) break;
        KeAcquireSpinLock(&Lock, &old);
        Hits[i]++;
        Reports++;
        KeReleaseSpinLock(&Lock, old);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

__declspec(dllexport) ULONG TestSemaphoreFanOut(ULONG n)
{
    ULONG failures = 0, i, round;
    PKTHREAD threads[MAX_WORKERS];
    LARGE_INTEGER tick;
    HANDLE h;
    if (n == 0 || n > MAX_WORKERS) return 1;
    KeInitializeSemaphore(&Go, 0, MAXLONG);
    KeInitializeSpinLock(&Lock);
    Reports = 0;
    Stop = 0;
    RtlZeroMemory(Hits, sizeof(Hits));
    for (i = 0; i < n; i++) {
        threads[i] = NULL;
        CHECK(NT_SUCCESS(PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, Worker, (PVOID)(ULONG_PTR)i)));
        CHECK(NT_SUCCESS(ObReferenceObjectByHandle(h, THREAD_ALL_ACCESS, NULL, KernelMode, (PVOID *)&threads[i], NULL)));
        ZwClose(h);
    }
    tick.QuadPart = -10000; /* 1 ms */
    /* Let every worker reach its wait (CpuMonitorGui's start request does the same before reads). */
    KeDelayExecutionThread(KernelMode, FALSE, &tick);
    for (round = 1; round <= 2; round++) {
        KeReleaseSemaphore(&Go, 0, (LONG)n, FALSE);
        for (i = 0; i < 1000 && Reports < (LONG)(round * n); i++) KeDelayExecutionThread(KernelMode, FALSE, &tick);
        CHECK(Reports == (LONG)(round * n));
        for (i = 0; i < n; i++) CHECK(Hits[i] == (LONG)round);
    }
    Stop = 1;
    KeReleaseSemaphore(&Go, 0, (LONG)n, FALSE);
    for (i = 0; i < n; i++) {
        if (!threads[i]) continue;
        KeWaitForSingleObject(threads[i], Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(threads[i]);
    }
    return failures;
}
