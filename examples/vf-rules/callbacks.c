/*
 * Rules checked when a driver callback returns: IRQL changed (irql-on-return), a spin lock or
 * fast mutex still held (spinlock-held-on-return, fast-mutex-held-on-return), a critical region
 * entered and not left (critical-region-on-return).
 */
#include "vfrules.h"

static VOID NTAPI RaiseAndReturn(PVOID Parameter)
{
    KIRQL old;
    UNREFERENCED_PARAMETER(Parameter);
    KeRaiseIrql(APC_LEVEL, &old);
}

static VOID NTAPI RaiseAndLower(PVOID Parameter)
{
    KIRQL old;
    UNREFERENCED_PARAMETER(Parameter);
    KeRaiseIrql(APC_LEVEL, &old);
    KeLowerIrql(old);
}

VOID NTAPI IrqlOnReturnBad(void) { RunAsWorkItem(RaiseAndReturn); }
VOID NTAPI IrqlOnReturnClean(void) { RunAsWorkItem(RaiseAndLower); }

static VOID NTAPI DpcKeepsLock(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KeAcquireSpinLockAtDpcLevel(&g_Lock);
}

static VOID NTAPI DpcReleasesLock(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KeAcquireSpinLockAtDpcLevel(&g_Lock);
    KeReleaseSpinLockFromDpcLevel(&g_Lock);
}

VOID NTAPI SpinLockHeldBad(void) { RunAsDpc(DpcKeepsLock); }
VOID NTAPI SpinLockHeldClean(void) { RunAsDpc(DpcReleasesLock); }

static VOID NTAPI KeepsMutex(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    KeEnterCriticalRegion();
    ExAcquireFastMutexUnsafe(&g_Mutex);
    KeLeaveCriticalRegion();
}

static VOID NTAPI ReleasesMutex(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    KeEnterCriticalRegion();
    ExAcquireFastMutexUnsafe(&g_Mutex);
    ExReleaseFastMutexUnsafe(&g_Mutex);
    KeLeaveCriticalRegion();
}

VOID NTAPI FastMutexHeldBad(void) { RunAsWorkItem(KeepsMutex); }
VOID NTAPI FastMutexHeldClean(void) { RunAsWorkItem(ReleasesMutex); }

static VOID NTAPI EntersRegion(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    KeEnterCriticalRegion();
}

static VOID NTAPI EntersAndLeavesRegion(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    KeEnterCriticalRegion();
    KeLeaveCriticalRegion();
}

VOID NTAPI CriticalRegionBad(void) { RunAsWorkItem(EntersRegion); }
VOID NTAPI CriticalRegionClean(void) { RunAsWorkItem(EntersAndLeavesRegion); }

/* Guarded regions (KeEnterGuardedRegion: all APCs off) must be left before the routine returns. */
static VOID NTAPI EntersGuardedRegion(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    KeEnterGuardedRegion();
}

static VOID NTAPI EntersAndLeavesGuardedRegion(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    KeEnterGuardedRegion();
    KeLeaveGuardedRegion();
}

VOID NTAPI GuardedRegionBad(void) { RunAsWorkItem(EntersGuardedRegion); }
VOID NTAPI GuardedRegionClean(void) { RunAsWorkItem(EntersAndLeavesGuardedRegion); }

/* KeLeaveCriticalRegion once more than KeEnterCriticalRegion. */
VOID NTAPI LeaveRegionBad(void)
{
    KeEnterCriticalRegion();
    KeLeaveCriticalRegion();
    KeLeaveCriticalRegion();
}

VOID NTAPI LeaveRegionClean(void)
{
    KeEnterCriticalRegion();
    KeLeaveCriticalRegion();
}

/* A timer armed with a DPC in this driver and never cancelled: when it fires after the driver
 * unloaded, Windows stops with DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS. */
static KTIMER g_Timer;
static KDPC g_TimerDpc;

static VOID NTAPI TimerDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
}

static VOID ArmTimer(void)
{
    LARGE_INTEGER due;
    due.QuadPart = -600000000LL; /* 60 s */
    KeInitializeTimer(&g_Timer);
    KeInitializeDpc(&g_TimerDpc, TimerDpc, NULL);
    KeSetTimer(&g_Timer, due, &g_TimerDpc);
}

VOID NTAPI TimerLeftBad(void) { ArmTimer(); }
VOID NTAPI TimerLeftClean(void)
{
    ArmTimer();
    KeCancelTimer(&g_Timer);
}
