/*
 * kmdll's ARM64 kernel definitions, read by mingw-w64's <wdm.h> in its `_M_ARM` branch (which
 * kmdll/arm64-enter.h selects for an ARM64 target; mingw-w64 ships no armddk.h). Values as the
 * WDK documents them for ARM64, which equal AMD64's: the IRQL levels (wdm.h), KUSER_SHARED_DATA at
 * 0xFFFFF78000000000 (KI_USER_SHARED_DATA), 4 KiB pages. The IRQL routines are imported as
 * MSVC-built ARM64 drivers import them (their import tables, docs/qa.md): KeGetCurrentIrql,
 * KfRaiseIrql and KfLowerIrql from HAL.dll, KeGetCurrentThread and the spin-lock routines from
 * ntoskrnl.exe; KeRaiseIrqlToDpcLevel/KeRaiseIrqlToSynchLevel from ntoskrnl.exe, which exports them.
 */
#ifndef KMDLL_ARMDDK_H
#define KMDLL_ARMDDK_H
#if defined(__aarch64__)

#define PASSIVE_LEVEL           0
#define LOW_LEVEL               0
#define APC_LEVEL               1
#define DISPATCH_LEVEL          2
#define CMCI_LEVEL              5
#define CLOCK_LEVEL             13
#define IPI_LEVEL               14
#define DRS_LEVEL               14
#define POWER_LEVEL             14
#define PROFILE_LEVEL           15
#define HIGH_LEVEL              15

#define KI_USER_SHARED_DATA     0xFFFFF78000000000ULL
#define SharedUserData          ((PKUSER_SHARED_DATA const)KI_USER_SHARED_DATA)
#define SharedInterruptTime     (KI_USER_SHARED_DATA + 0x8)
#define SharedSystemTime        (KI_USER_SHARED_DATA + 0x14)
#define SharedTickCount         (KI_USER_SHARED_DATA + 0x320)

#define PAGE_SIZE               0x1000
#define PAGE_SHIFT              12L

typedef struct _KFLOATING_SAVE {
  ULONG Dummy;
} KFLOATING_SAVE, *PKFLOATING_SAVE;

#define KeQueryTickCount(CurrentCount) \
    *(ULONG64*)(CurrentCount) = *(volatile ULONG64*)SharedTickCount

#define KeGetDcacheFillSize() 1L
#define YieldProcessor __yield

NTHALAPI KIRQL NTAPI KeGetCurrentIrql(VOID);
NTHALAPI KIRQL FASTCALL KfRaiseIrql(IN KIRQL NewIrql);
NTHALAPI VOID FASTCALL KfLowerIrql(IN KIRQL NewIrql);
#define KeLowerIrql(a) KfLowerIrql(a)
NTKERNELAPI KIRQL NTAPI KeRaiseIrqlToDpcLevel(VOID);
NTKERNELAPI KIRQL NTAPI KeRaiseIrqlToSynchLevel(VOID);
NTKERNELAPI struct _KTHREAD * NTAPI KeGetCurrentThread(VOID);
#define KeRaiseIrql(a,b) *(b) = KfRaiseIrql(a)

/* Spin locks as on AMD64 (wdm.h declares these for every arch but _X86_ and _M_ARM, which
   kmdll/arm64-enter.h stands in for ARM64). */
NTKERNELAPI KIRQL NTAPI KeAcquireSpinLockRaiseToDpc(IN OUT PKSPIN_LOCK SpinLock);
#define KeAcquireSpinLock(SpinLock, OldIrql) *(OldIrql) = KeAcquireSpinLockRaiseToDpc(SpinLock)
NTKERNELAPI VOID NTAPI KeAcquireSpinLockAtDpcLevel(IN OUT PKSPIN_LOCK SpinLock);
NTKERNELAPI VOID NTAPI KeReleaseSpinLock(IN OUT PKSPIN_LOCK SpinLock, IN KIRQL NewIrql);
NTKERNELAPI VOID NTAPI KeReleaseSpinLockFromDpcLevel(IN OUT PKSPIN_LOCK SpinLock);

#define KeFlushIoBuffers(_Mdl, _ReadOperation, _DmaOperation)
#define DbgRaiseAssertionFailure __debugbreak

#endif /* __aarch64__ */
#endif
