/*
 * Guarded mutexes and regions, in-stack queued spin locks, reader/writer spin locks, push
 * locks, rundown protection, remove locks and the cancel spin lock.
 */
#include "apirtlx.h"

int TestLocks(void)
{
    int failures = 0;
    KGUARDED_MUTEX gm;
    KSPIN_LOCK lock;
    KLOCK_QUEUE_HANDLE qh;
    EX_SPIN_LOCK rw = 0;
    KIRQL old;
    EX_PUSH_LOCK push;

    KeInitializeGuardedMutex(&gm);
    KeAcquireGuardedMutex(&gm);
    CHECK(gm.Owner == KeGetCurrentThread());
    CHECK(KeTryToAcquireGuardedMutex(&gm) == FALSE);
    KeReleaseGuardedMutex(&gm);
    CHECK(KeTryToAcquireGuardedMutex(&gm) == TRUE);
    KeReleaseGuardedMutex(&gm);
    KeEnterGuardedRegion();
    CHECK(KeAreAllApcsDisabled() == TRUE);
    KeAcquireGuardedMutexUnsafe(&gm);
    KeReleaseGuardedMutexUnsafe(&gm);
    KeLeaveGuardedRegion();
    CHECK(KeAreAllApcsDisabled() == FALSE);

    KeInitializeSpinLock(&lock);
    KeAcquireInStackQueuedSpinLock(&lock, &qh);
    CHECK(lock != 0 && qh.OldIrql == PASSIVE_LEVEL);
    KeReleaseInStackQueuedSpinLock(&qh);
    CHECK(lock == 0);
    KeAcquireInStackQueuedSpinLockForDpc(&lock, &qh);
    KeReleaseInStackQueuedSpinLockForDpc(&qh);
    KeAcquireInStackQueuedSpinLockRaiseToSynch(&lock, &qh);
    KeReleaseInStackQueuedSpinLock(&qh);
    old = KeRaiseIrqlToDpcLevel();
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&lock, &qh);
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&qh);
    KeLowerIrql(old);

    /* Readers share, a writer is alone; a single reader can convert to exclusive. */
    old = ExAcquireSpinLockShared(&rw);
    ExAcquireSpinLockSharedAtDpcLevel(&rw);
    CHECK(rw == 2);
    CHECK(ExTryConvertSharedSpinLockExclusive(&rw) == FALSE);
    ExReleaseSpinLockSharedFromDpcLevel(&rw);
    CHECK(ExTryConvertSharedSpinLockExclusive(&rw) == TRUE);
    ExReleaseSpinLockExclusive(&rw, old);
    CHECK(rw == 0);
    old = ExAcquireSpinLockExclusive(&rw);
    CHECK(old == PASSIVE_LEVEL && rw != 0);
    ExReleaseSpinLockExclusive(&rw, old);
    old = KeRaiseIrqlToDpcLevel();
    ExAcquireSpinLockExclusiveAtDpcLevel(&rw);
    ExReleaseSpinLockExclusiveFromDpcLevel(&rw);
    KeLowerIrql(old);
    old = ExAcquireSpinLockShared(&rw);
    ExReleaseSpinLockShared(&rw, old);

    ExInitializePushLock(&push);
    ExfAcquirePushLockShared(&push);
    CHECK(ExfTryAcquirePushLockShared(&push) == TRUE);
    ExfReleasePushLockShared(&push);
    ExfReleasePushLock(&push);
    ExfAcquirePushLockExclusive(&push);
    CHECK(ExfTryAcquirePushLockShared(&push) == FALSE);
    ExfReleasePushLockExclusive(&push);
    CHECK(push == 0);

    IoAcquireCancelSpinLock(&old);
    CHECK(old == PASSIVE_LEVEL);
    IoReleaseCancelSpinLock(old);
    return failures;
}

int TestRundownAndRemove(void)
{
    int failures = 0;
    EX_RUNDOWN_REF ref;
    IO_REMOVE_LOCK rl;
    int tag = 0;

    ExInitializeRundownProtection(&ref);
    CHECK(ExAcquireRundownProtection(&ref) == TRUE);
    CHECK(ExAcquireRundownProtectionEx(&ref, 2) == TRUE);
    ExReleaseRundownProtectionEx(&ref, 2);
    ExReleaseRundownProtection(&ref);
    ExWaitForRundownProtectionRelease(&ref);
    CHECK(ExAcquireRundownProtection(&ref) == FALSE); /* run down */
    ExRundownCompleted(&ref);
    ExReInitializeRundownProtection(&ref);
    CHECK(ExAcquireRundownProtection(&ref) == TRUE);
    ExReleaseRundownProtection(&ref);

    IoInitializeRemoveLock(&rl, RTLX_TAG, 0, 0);
    CHECK(IoAcquireRemoveLock(&rl, &tag) == STATUS_SUCCESS);
    CHECK(IoAcquireRemoveLock(&rl, &tag) == STATUS_SUCCESS);
    IoReleaseRemoveLock(&rl, &tag);
    IoReleaseRemoveLockAndWait(&rl, &tag);
    CHECK(IoAcquireRemoveLock(&rl, &tag) == STATUS_DELETE_PENDING);
    return failures;
}

/* Acquiring a guarded mutex twice on one thread: it would wait forever. */
int GuardedTwice(void)
{
    static KGUARDED_MUTEX gm;
    KeInitializeGuardedMutex(&gm);
    KeAcquireGuardedMutex(&gm);
    KeAcquireGuardedMutex(&gm);
    return 0;
}

/* Waiting for rundown with a reference never released. */
int RundownLeak(void)
{
    EX_RUNDOWN_REF ref;
    ExInitializeRundownProtection(&ref);
    ExAcquireRundownProtection(&ref);
    ExWaitForRundownProtectionRelease(&ref);
    return 0;
}
