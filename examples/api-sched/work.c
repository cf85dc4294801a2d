/*
 * Work items: IoAllocateWorkItem/IoQueueWorkItem(Ex)/IoFreeWorkItem, IoInitializeWorkItem on
 * caller storage, and the legacy ExQueueWorkItem. They run at PASSIVE_LEVEL at the next
 * scheduling point (here: a wait on the event the routine sets).
 */
#include "apisched.h"

typedef struct _WORK_CONTEXT {
    KEVENT Done;
    LONG Runs;
    PDEVICE_OBJECT Device;
    PIO_WORKITEM Item;
    KIRQL Irql;
} WORK_CONTEXT, *PWORK_CONTEXT;

static VOID NTAPI IoWorker(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    PWORK_CONTEXT c = (PWORK_CONTEXT)Context;
    c->Runs++;
    c->Device = DeviceObject;
    c->Irql = KeGetCurrentIrql();
    KeSetEvent(&c->Done, IO_NO_INCREMENT, FALSE);
}

static VOID NTAPI IoWorkerEx(PVOID IoObject, PVOID Context, PIO_WORKITEM Item)
{
    PWORK_CONTEXT c = (PWORK_CONTEXT)Context;
    c->Runs++;
    c->Device = (PDEVICE_OBJECT)IoObject;
    c->Item = Item;
    KeSetEvent(&c->Done, IO_NO_INCREMENT, FALSE);
}

static VOID NTAPI ExWorker(PVOID Parameter)
{
    PWORK_CONTEXT c = (PWORK_CONTEXT)Parameter;
    c->Runs++;
    KeSetEvent(&c->Done, IO_NO_INCREMENT, FALSE);
}

typedef VOID (NTAPI *PFN_QUEUE_EX)(PIO_WORKITEM, PVOID, WORK_QUEUE_TYPE, PVOID);

int TestWorkItems(void)
{
    int failures = 0;
    WORK_CONTEXT c;
    PIO_WORKITEM item;
    WORK_QUEUE_ITEM legacy;
    PVOID storage;
    NTSTATUS st;

    RtlZeroMemory(&c, sizeof(c));
    KeInitializeEvent(&c.Done, SynchronizationEvent, FALSE);
    item = IoAllocateWorkItem(g_FakeDevice);
    CHECK(item != NULL);
    if (!item) return failures;
    IoQueueWorkItem(item, IoWorker, DelayedWorkQueue, &c);
    CHECK(c.Runs == 0); /* not yet: it runs on a worker thread */
    st = KeWaitForSingleObject(&c.Done, Executive, KernelMode, FALSE, NULL);
    CHECK(st == STATUS_SUCCESS && c.Runs == 1 && c.Device == g_FakeDevice && c.Irql == PASSIVE_LEVEL);

    /* Re-queued after it ran; freeing it while queued runs it first. */
    IoQueueWorkItem(item, IoWorker, CriticalWorkQueue, &c);
    IoFreeWorkItem(item);
    CHECK(c.Runs == 2);
    /* Nobody waited for that run: the event is still set. */
    CHECK(KeReadStateEvent(&c.Done) == 1);
    KeClearEvent(&c.Done);

    /* IoQueueWorkItemEx passes the work item too; IoInitializeWorkItem uses caller storage. */
    storage = ExAllocatePoolWithTag(NonPagedPool, IoSizeofWorkItem(), SCHED_TAG);
    CHECK(storage != NULL);
    if (storage) {
        IoInitializeWorkItem(g_FakeDevice, (PIO_WORKITEM)storage);
        ((PFN_QUEUE_EX)IoQueueWorkItemEx)((PIO_WORKITEM)storage, (PVOID)IoWorkerEx, DelayedWorkQueue, &c);
        st = KeWaitForSingleObject(&c.Done, Executive, KernelMode, FALSE, NULL);
        CHECK(st == STATUS_SUCCESS && c.Runs == 3 && c.Item == (PIO_WORKITEM)storage);
        IoUninitializeWorkItem((PIO_WORKITEM)storage);
        ExFreePoolWithTag(storage, SCHED_TAG);
    }

#pragma warning(suppress: 4996)
    ExInitializeWorkItem(&legacy, ExWorker, &c);
#pragma warning(suppress: 4996)
    ExQueueWorkItem(&legacy, DelayedWorkQueue);
    st = KeWaitForSingleObject(&c.Done, Executive, KernelMode, FALSE, NULL);
    CHECK(st == STATUS_SUCCESS && c.Runs == 4);
    return failures;
}

/* Queueing a work item that is already queued: bug check WORKER_INVALID. */
int DoubleQueue(void)
{
    static WORK_CONTEXT c;
    PIO_WORKITEM item = IoAllocateWorkItem(g_FakeDevice);
    KeInitializeEvent(&c.Done, SynchronizationEvent, FALSE);
    IoQueueWorkItem(item, IoWorker, DelayedWorkQueue, &c);
    IoQueueWorkItem(item, IoWorker, DelayedWorkQueue, &c);
    return 0;
}

/*
 * A work routine that waits blocks only its worker thread: the routine below signals Started,
 * then waits for Go; the caller goes on meanwhile, sets Go, and waits for Done.
 */
typedef struct _WAITING_WORK {
    KEVENT Started;
    KEVENT Go;
    KEVENT Done;
    LONG Stage;
    PETHREAD Worker;
} WAITING_WORK, *PWAITING_WORK;

static VOID NTAPI WaitingWorker(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    PWAITING_WORK w = (PWAITING_WORK)Context;
    UNREFERENCED_PARAMETER(DeviceObject);
    w->Worker = PsGetCurrentThread();
    w->Stage = 1;
    KeSetEvent(&w->Started, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(&w->Go, Executive, KernelMode, FALSE, NULL);
    w->Stage = 2;
    KeSetEvent(&w->Done, IO_NO_INCREMENT, FALSE);
}

int TestWorkItemWaits(void)
{
    int failures = 0;
    WAITING_WORK w;
    PIO_WORKITEM item;
    NTSTATUS st;

    RtlZeroMemory(&w, sizeof(w));
    KeInitializeEvent(&w.Started, NotificationEvent, FALSE);
    KeInitializeEvent(&w.Go, NotificationEvent, FALSE);
    KeInitializeEvent(&w.Done, NotificationEvent, FALSE);
    item = IoAllocateWorkItem(g_FakeDevice);
    CHECK(item != NULL);
    if (!item) return failures;
    IoQueueWorkItem(item, WaitingWorker, DelayedWorkQueue, &w);
    st = KeWaitForSingleObject(&w.Started, Executive, KernelMode, FALSE, NULL);
    CHECK(st == STATUS_SUCCESS);
    /* The routine now waits for Go on its worker thread, not on this one. */
    CHECK(w.Stage == 1);
    CHECK(w.Worker != NULL && w.Worker != PsGetCurrentThread());
    KeSetEvent(&w.Go, IO_NO_INCREMENT, FALSE);
    st = KeWaitForSingleObject(&w.Done, Executive, KernelMode, FALSE, NULL);
    CHECK(st == STATUS_SUCCESS && w.Stage == 2);
    IoFreeWorkItem(item);
    return failures;
}

/*
 * Work queued by a routine that then returns runs soon after, as a system worker thread takes it
 * (here: in the idle pass after the call), not only at the caller's next wait.
 */
static LONG g_IdleRuns;
static WORK_QUEUE_ITEM g_IdleItem;

static VOID NTAPI IdleWorker(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    InterlockedIncrement(&g_IdleRuns);
}

int QueueWorkAndReturn(void)
{
#pragma warning(suppress: 4996)
    ExInitializeWorkItem(&g_IdleItem, IdleWorker, NULL);
#pragma warning(suppress: 4996)
    ExQueueWorkItem(&g_IdleItem, DelayedWorkQueue);
    return g_IdleRuns;
}

int IdleWorkRuns(void)
{
    return g_IdleRuns;
}
