/*
 * tlog.sys — TlogSelfTest: threads that hand control back and forth (events), share a
 * semaphore and a mutex held across a delay, time out, and end with an exit status; each
 * result is checked here. TlogDeadlock waits for a thread that waits for nothing.
 */
#define TLOG_EXPORTS
#include "tlog.h"
#include "../include/apitest.h"

#define ROUNDS 4

typedef struct _SELFTEST {
    KEVENT Ping, Pong, Done, Never;
    KSEMAPHORE Slots;
    KMUTEX Mutex;
    LONG Trace[2 * ROUNDS];
    LONG TraceCount;
    LONG Consumed;
    LONG Counter, Inside, Overlap;
    HANDLE Ids[2];
    NTSTATUS TimedWait;
    LONGLONG Waited;
} SELFTEST, *PSELFTEST;

static VOID NTAPI Pinger(PVOID Context)
{
    PSELFTEST t = (PSELFTEST)Context;
    int i;
    t->Ids[0] = PsGetCurrentThreadId();
    for (i = 0; i < ROUNDS; i++) {
        KeWaitForSingleObject(&t->Ping, Executive, KernelMode, FALSE, NULL);
        t->Trace[t->TraceCount++] = 100 + i;
        KeSetEvent(&t->Pong, IO_NO_INCREMENT, FALSE);
    }
}

static VOID NTAPI Ponger(PVOID Context)
{
    PSELFTEST t = (PSELFTEST)Context;
    int i;
    t->Ids[1] = PsGetCurrentThreadId();
    for (i = 0; i < ROUNDS; i++) {
        KeSetEvent(&t->Ping, IO_NO_INCREMENT, FALSE);
        KeWaitForSingleObject(&t->Pong, Executive, KernelMode, FALSE, NULL);
        t->Trace[t->TraceCount++] = 200 + i;
    }
    PsTerminateSystemThread((NTSTATUS)0x40000123);
}

static VOID NTAPI Consumer(PVOID Context)
{
    PSELFTEST t = (PSELFTEST)Context;
    LARGE_INTEGER timeout;
    LONGLONG before;
    while (t->Consumed < 3) {
        KeWaitForSingleObject(&t->Slots, Executive, KernelMode, FALSE, NULL);
        t->Consumed++;
    }
    /* Nothing sets Never: the wait times out on the emulated clock. */
    timeout.QuadPart = -5 * 10000;
    before = (LONGLONG)KeQueryInterruptTime();
    t->TimedWait = KeWaitForSingleObject(&t->Never, Executive, KernelMode, FALSE, &timeout);
    t->Waited = (LONGLONG)KeQueryInterruptTime() - before;
    KeSetEvent(&t->Done, IO_NO_INCREMENT, FALSE);
}

static VOID NTAPI Locker(PVOID Context)
{
    PSELFTEST t = (PSELFTEST)Context;
    LARGE_INTEGER ms;
    int i;
    ms.QuadPart = -1 * 10000;
    for (i = 0; i < ROUNDS; i++) {
        KeWaitForSingleObject(&t->Mutex, Executive, KernelMode, FALSE, NULL);
        if (t->Inside++) t->Overlap++;
        KeDelayExecutionThread(KernelMode, FALSE, &ms); /* another thread runs while we hold it */
        t->Counter++;
        t->Inside--;
        KeReleaseMutex(&t->Mutex, FALSE);
    }
}

static NTSTATUS Start(PKSTART_ROUTINE Routine, PVOID Context, PVOID *Object)
{
    HANDLE h;
    NTSTATUS st = PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, Routine, Context);
    if (!NT_SUCCESS(st)) return st;
    st = ObReferenceObjectByHandle(h, SYNCHRONIZE, *PsThreadType, KernelMode, Object, NULL);
    ZwClose(h);
    return st;
}

int NTAPI TlogSelfTest(void)
{
    int failures = 0, i;
    PSELFTEST t;
    PVOID threads[2] = { NULL, NULL };
    PVOID one = NULL;

    t = (PSELFTEST)ExAllocatePoolWithTag(NonPagedPool, sizeof(SELFTEST), TLOG_TAG);
    if (t == NULL) return 1;
    RtlZeroMemory(t, sizeof(*t));
    KeInitializeEvent(&t->Ping, SynchronizationEvent, FALSE);
    KeInitializeEvent(&t->Pong, SynchronizationEvent, FALSE);
    KeInitializeEvent(&t->Done, NotificationEvent, FALSE);
    KeInitializeEvent(&t->Never, NotificationEvent, FALSE);
    KeInitializeSemaphore(&t->Slots, 0, 8);
    KeInitializeMutex(&t->Mutex, 0);

    /* Ping-pong: strict alternation through two synchronization events. */
    CHECK(Start(Pinger, t, &threads[0]) == STATUS_SUCCESS);
    CHECK(Start(Ponger, t, &threads[1]) == STATUS_SUCCESS);
    if (threads[0] && threads[1]) {
        CHECK(KeWaitForMultipleObjects(2, threads, WaitAll, Executive, KernelMode, FALSE, NULL, NULL) == STATUS_SUCCESS);
        CHECK(t->TraceCount == 2 * ROUNDS);
        for (i = 0; i < ROUNDS; i++) CHECK(t->Trace[2 * i] == 100 + i && t->Trace[2 * i + 1] == 200 + i);
        CHECK(t->Ids[0] != NULL && t->Ids[1] != NULL && t->Ids[0] != t->Ids[1]);
        CHECK(t->Ids[0] != PsGetCurrentThreadId() && t->Ids[1] != PsGetCurrentThreadId());
        CHECK(PsGetThreadExitStatus((PETHREAD)threads[0]) == STATUS_SUCCESS);
        CHECK(PsGetThreadExitStatus((PETHREAD)threads[1]) == (NTSTATUS)0x40000123);
        CHECK(KeReadStateEvent(&t->Ping) == 0 && KeReadStateEvent(&t->Pong) == 0);
    }
    for (i = 0; i < 2; i++) if (threads[i]) ObDereferenceObject(threads[i]);

    /* A semaphore released three times at once, then a wait that times out. */
    CHECK(Start(Consumer, t, &one) == STATUS_SUCCESS);
    if (one) {
        CHECK(KeReleaseSemaphore(&t->Slots, IO_NO_INCREMENT, 3, FALSE) == 0);
        CHECK(KeWaitForSingleObject(&t->Done, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS);
        CHECK(t->Consumed == 3 && KeReadStateSemaphore(&t->Slots) == 0);
        CHECK(t->TimedWait == STATUS_TIMEOUT && t->Waited >= 5 * 10000);
        CHECK(KeWaitForSingleObject(one, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS);
        ObDereferenceObject(one);
    }

    /* A mutex held across a delay: the other thread waits for it, never enters at once. */
    threads[0] = threads[1] = NULL;
    CHECK(Start(Locker, t, &threads[0]) == STATUS_SUCCESS);
    CHECK(Start(Locker, t, &threads[1]) == STATUS_SUCCESS);
    if (threads[0] && threads[1]) {
        CHECK(KeWaitForMultipleObjects(2, threads, WaitAll, Executive, KernelMode, FALSE, NULL, NULL) == STATUS_SUCCESS);
        CHECK(t->Counter == 2 * ROUNDS && t->Overlap == 0);
        CHECK(KeReadStateMutex(&t->Mutex) == 1);
    }
    for (i = 0; i < 2; i++) if (threads[i]) ObDereferenceObject(threads[i]);

    ExFreePoolWithTag(t, TLOG_TAG);
    return failures;
}

static VOID NTAPI WaitsForNothing(PVOID Context)
{
    KeWaitForSingleObject((PKEVENT)Context, Executive, KernelMode, FALSE, NULL);
}

/* A thread waits for an event nobody sets and the caller waits for the thread: a deadlock. */
int NTAPI TlogDeadlock(void)
{
    static KEVENT never;
    PVOID thread = NULL;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    if (NT_SUCCESS(Start(WaitsForNothing, &never, &thread)))
        KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, NULL);
    return 0;
}
