/*
 * The cancel-safe IRP queue (IoCsq*) over a driver's own list and spin lock, and IoCancelIrp.
 * Microsoft Learn: IoCsqInsertIrp marks the IRP pending and makes it cancelable; IoCsqRemoveIrp
 * returns the IRP of a context (NULL when it was cancelled or removed already); IoCsqRemoveNextIrp
 * returns the next IRP the peek routine picks; a cancelled IRP goes to CsqCompleteCanceledIrp;
 * with IoCsqInitializeEx, IoCsqInsertIrpEx returns the insert routine's status and an IRP it
 * refuses is not queued.
 */
#include "apicsq.h"

typedef struct _QUEUE {
    IO_CSQ Csq; /* first: the callbacks get &Csq */
    KSPIN_LOCK Lock;
    LIST_ENTRY Irps;
    LONG Acquires;
    LONG Releases;
    LONG BadIrql;
    PIRP Canceled[4];
    LONG CanceledCount;
} QUEUE, *PQUEUE;

static VOID NTAPI Insert(PIO_CSQ Csq, PIRP Irp)
{
    InsertTailList(&((PQUEUE)Csq)->Irps, &Irp->Tail.Overlay.ListEntry);
}

static NTSTATUS NTAPI InsertEx(PIO_CSQ Csq, PIRP Irp, PVOID InsertContext)
{
    if (InsertContext == (PVOID)1)
        return STATUS_DEVICE_BUSY;
    Insert(Csq, Irp);
    return STATUS_SUCCESS;
}

static VOID NTAPI Remove(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
}

/* The next IRP after Irp (from the head when NULL) whose UserBuffer is PeekContext (any when NULL). */
static PIRP NTAPI Peek(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    PQUEUE q = (PQUEUE)Csq;
    PLIST_ENTRY e = Irp ? Irp->Tail.Overlay.ListEntry.Flink : q->Irps.Flink;
    for (; e != &q->Irps; e = e->Flink) {
        PIRP i = CONTAINING_RECORD(e, IRP, Tail.Overlay.ListEntry);
        if (!PeekContext || i->UserBuffer == PeekContext)
            return i;
    }
    return NULL;
}

static VOID NTAPI Acquire(PIO_CSQ Csq, PKIRQL Irql)
{
    PQUEUE q = (PQUEUE)Csq;
    KeAcquireSpinLock(&q->Lock, Irql);
    q->Acquires++;
}

static VOID NTAPI Release(PIO_CSQ Csq, KIRQL Irql)
{
    PQUEUE q = (PQUEUE)Csq;
    q->Releases++;
    if (KeGetCurrentIrql() != DISPATCH_LEVEL)
        q->BadIrql++;
    KeReleaseSpinLock(&q->Lock, Irql);
}

static VOID NTAPI CompleteCanceled(PIO_CSQ Csq, PIRP Irp)
{
    PQUEUE q = (PQUEUE)Csq;
    if (q->CanceledCount < 4)
        q->Canceled[q->CanceledCount] = Irp;
    q->CanceledCount++;
}

static VOID InitQueue(PQUEUE q, BOOLEAN ex)
{
    RtlZeroMemory(q, sizeof(*q));
    KeInitializeSpinLock(&q->Lock);
    InitializeListHead(&q->Irps);
    if (ex)
        IoCsqInitializeEx(&q->Csq, InsertEx, Remove, Peek, Acquire, Release, CompleteCanceled);
    else
        IoCsqInitialize(&q->Csq, Insert, Remove, Peek, Acquire, Release, CompleteCanceled);
}

static ULONG QueueLength(PQUEUE q)
{
    ULONG n = 0;
    PLIST_ENTRY e;
    for (e = q->Irps.Flink; e != &q->Irps; e = e->Flink) n++;
    return n;
}

#define PENDING(irp) ((IoGetCurrentIrpStackLocation(irp)->Control & SL_PENDING_RETURNED) != 0)

int TestCsq(void)
{
    int failures = 0;
    QUEUE q;
    IO_CSQ_IRP_CONTEXT ctx;
    PIRP irps[3], got;
    PDEVICE_OBJECT dev = CreateTestDevice();
    int i;

    CHECK(dev != NULL);
    if (!dev) return failures;
    InitQueue(&q, FALSE);
    CHECK(q.Csq.CsqInsertIrp == Insert && q.Csq.CsqPeekNextIrp == Peek && q.Csq.ReservePointer == NULL);
    for (i = 0; i < 3; i++) {
        irps[i] = AllocateTestIrp(dev);
        CHECK(irps[i] != NULL);
        if (!irps[i]) return failures;
        irps[i]->UserBuffer = (PVOID)(ULONG_PTR)(i == 2 ? 0x2000 : 0x1000);
    }
    IoCsqInsertIrp(&q.Csq, irps[0], NULL);
    IoCsqInsertIrp(&q.Csq, irps[1], &ctx);
    IoCsqInsertIrp(&q.Csq, irps[2], NULL);
    CHECK(QueueLength(&q) == 3);
    CHECK(q.Acquires == 3 && q.Releases == 3 && q.BadIrql == 0);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
    /* Queued IRPs are pending and cancelable; the context points back at the IRP and the queue. */
    for (i = 0; i < 3; i++) {
        CHECK(PENDING(irps[i]));
        CHECK(irps[i]->CancelRoutine != NULL);
    }
    CHECK(ctx.Irp == irps[1] && ctx.Csq == &q.Csq);

    /* By context: the IRP, once; then NULL. */
    got = IoCsqRemoveIrp(&q.Csq, &ctx);
    CHECK(got == irps[1]);
    CHECK(ctx.Irp == NULL);
    CHECK(irps[1]->CancelRoutine == NULL);
    CHECK(IoCsqRemoveIrp(&q.Csq, &ctx) == NULL);
    CHECK(QueueLength(&q) == 2);

    /* The next IRP the peek routine picks: by PeekContext, then the first. */
    got = IoCsqRemoveNextIrp(&q.Csq, (PVOID)0x2000);
    CHECK(got == irps[2]);
    CHECK(IoCsqRemoveNextIrp(&q.Csq, (PVOID)0x2000) == NULL);
    got = IoCsqRemoveNextIrp(&q.Csq, NULL);
    CHECK(got == irps[0] && got->CancelRoutine == NULL);
    CHECK(IoCsqRemoveNextIrp(&q.Csq, NULL) == NULL);
    CHECK(QueueLength(&q) == 0);
    CHECK(q.Acquires == q.Releases && q.CanceledCount == 0);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);

    for (i = 0; i < 3; i++) IoFreeIrp(irps[i]);
    IoDeleteDevice(dev);
    return failures;
}

int TestCsqEx(void)
{
    int failures = 0;
    QUEUE q;
    PIRP a, b;
    PDEVICE_OBJECT dev = CreateTestDevice();

    CHECK(dev != NULL);
    if (!dev) return failures;
    InitQueue(&q, TRUE);
    a = AllocateTestIrp(dev);
    b = AllocateTestIrp(dev);
    CHECK(a && b);
    if (!a || !b) return failures;
    /* The insert routine's failure is returned; the IRP is not queued, pending or cancelable. */
    CHECK(IoCsqInsertIrpEx(&q.Csq, a, NULL, (PVOID)1) == STATUS_DEVICE_BUSY);
    CHECK(QueueLength(&q) == 0 && !PENDING(a) && a->CancelRoutine == NULL);
    CHECK(q.Acquires == 1 && q.Releases == 1);
    CHECK(IoCsqInsertIrpEx(&q.Csq, b, NULL, NULL) == STATUS_SUCCESS);
    CHECK(QueueLength(&q) == 1 && PENDING(b) && b->CancelRoutine != NULL);
    /* The classic insert works on an Ex queue too (through CsqInsertIrpEx). */
    IoCsqInsertIrp(&q.Csq, a, NULL);
    CHECK(QueueLength(&q) == 2);
    CHECK(IoCsqRemoveNextIrp(&q.Csq, NULL) == b);
    CHECK(IoCsqRemoveNextIrp(&q.Csq, NULL) == a);
    CHECK(IoCsqRemoveNextIrp(&q.Csq, NULL) == NULL);
    IoFreeIrp(a);
    IoFreeIrp(b);
    IoDeleteDevice(dev);
    return failures;
}

int TestCancel(void)
{
    int failures = 0;
    QUEUE q;
    IO_CSQ_IRP_CONTEXT ctx;
    PIRP a, b, c;
    PDEVICE_OBJECT dev = CreateTestDevice();

    CHECK(dev != NULL);
    if (!dev) return failures;
    InitQueue(&q, FALSE);
    a = AllocateTestIrp(dev);
    b = AllocateTestIrp(dev);
    c = AllocateTestIrp(dev);
    CHECK(a && b && c);
    if (!a || !b || !c) return failures;

    /* An IRP without a cancel routine: IoCancelIrp sets Cancel and returns FALSE. */
    CHECK(IoCancelIrp(c) == FALSE);
    CHECK(c->Cancel == TRUE);
    /* Inserting an IRP already cancelled hands it to CsqCompleteCanceledIrp at once. */
    IoCsqInsertIrp(&q.Csq, c, NULL);
    CHECK(q.CanceledCount == 1 && q.Canceled[0] == c);
    CHECK(QueueLength(&q) == 0 && c->CancelRoutine == NULL);

    /* A queued IRP: IoCancelIrp calls the queue's cancel routine, which removes and completes it. */
    IoCsqInsertIrp(&q.Csq, a, &ctx);
    IoCsqInsertIrp(&q.Csq, b, NULL);
    CHECK(IoCancelIrp(a) == TRUE);
    CHECK(a->Cancel == TRUE && a->CancelRoutine == NULL);
    CHECK(q.CanceledCount == 2 && q.Canceled[1] == a);
    CHECK(QueueLength(&q) == 1);
    /* Its context no longer names it. */
    CHECK(ctx.Irp == NULL);
    CHECK(IoCsqRemoveIrp(&q.Csq, &ctx) == NULL);
    /* Cancelling again: no cancel routine any more. */
    CHECK(IoCancelIrp(a) == FALSE);
    CHECK(q.CanceledCount == 2);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
    CHECK(IoCsqRemoveNextIrp(&q.Csq, NULL) == b);
    CHECK(q.Acquires == q.Releases && q.BadIrql == 0);

    IoFreeIrp(a);
    IoFreeIrp(b);
    IoFreeIrp(c);
    IoDeleteDevice(dev);
    return failures;
}

/* IoCsqInsertIrp on an IO_CSQ nobody initialized (no callbacks to call). */
int InsertUninitialized(void)
{
    IO_CSQ csq;
    PDEVICE_OBJECT dev = CreateTestDevice();
    PIRP irp = dev ? AllocateTestIrp(dev) : NULL;
    RtlZeroMemory(&csq, sizeof(csq));
    if (irp) IoCsqInsertIrp(&csq, irp, NULL);
    return 0;
}
