/*
 * The NDIS helpers fresh4's miniports call (declarations written from Microsoft Learn's ndis.h
 * reference pages: NdisAllocateSpinLock, NdisAcquireSpinLock, NdisReleaseSpinLock,
 * NdisDprAcquireSpinLock, NdisDprReleaseSpinLock, NdisFreeSpinLock, NdisWriteErrorLogEntry,
 * NdisGetSystemUpTime(Ex), NdisMSleep, NdisGeneratePartialCancelId, NdisInitUnicodeString;
 * NDIS_SPIN_LOCK as ndis.h lays it out). NTAPI: stdcall on x86; NdisWriteErrorLogEntry is varargs
 * (cdecl).
 */
#include "../include/apitest.h"

typedef PVOID NDIS_HANDLE;
typedef ULONG NDIS_ERROR_CODE;
typedef UNICODE_STRING NDIS_STRING, *PNDIS_STRING;
typedef struct _NDIS_SPIN_LOCK {
    KSPIN_LOCK SpinLock;
    KIRQL OldIrql;
} NDIS_SPIN_LOCK, *PNDIS_SPIN_LOCK;

__declspec(dllimport) VOID NTAPI NdisAllocateSpinLock(PNDIS_SPIN_LOCK SpinLock);
__declspec(dllimport) VOID NTAPI NdisFreeSpinLock(PNDIS_SPIN_LOCK SpinLock);
__declspec(dllimport) VOID NTAPI NdisAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock);
__declspec(dllimport) VOID NTAPI NdisReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock);
__declspec(dllimport) VOID NTAPI NdisDprAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock);
__declspec(dllimport) VOID NTAPI NdisDprReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock);
__declspec(dllimport) VOID __cdecl NdisWriteErrorLogEntry(NDIS_HANDLE NdisAdapterHandle, NDIS_ERROR_CODE ErrorCode, ULONG NumberOfErrorValues, ...);
__declspec(dllimport) VOID NTAPI NdisGetSystemUpTime(PULONG pSystemUpTime);
__declspec(dllimport) VOID NTAPI NdisGetSystemUpTimeEx(PLARGE_INTEGER pSystemUpTime);
__declspec(dllimport) VOID NTAPI NdisMSleep(ULONG MicrosecondsToSleep);
__declspec(dllimport) UCHAR NTAPI NdisGeneratePartialCancelId(VOID);
__declspec(dllimport) VOID NTAPI NdisInitUnicodeString(PNDIS_STRING Destination, PCWSTR Source);

/* The caller's NDIS_SPIN_LOCK between two guards: initialization writes only the lock. */
static struct {
    UCHAR Before[8];
    NDIS_SPIN_LOCK Lock;
    UCHAR After[8];
} Guarded;

/* Acquire raises to DISPATCH_LEVEL and release restores the caller's IRQL; the Dpr forms leave
 * DISPATCH_LEVEL alone. */
__declspec(dllexport) ULONG TestNdisSpinLock(void)
{
    ULONG failures = 0, i;
    KIRQL old;
    RtlFillMemory(&Guarded, sizeof(Guarded), 0xAA);
    NdisAllocateSpinLock(&Guarded.Lock);
    CHECK(Guarded.Lock.SpinLock == 0);
    for (i = 0; i < sizeof(Guarded.Before); i++) CHECK(Guarded.Before[i] == 0xAA && Guarded.After[i] == 0xAA);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
    NdisAcquireSpinLock(&Guarded.Lock);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    CHECK(Guarded.Lock.OldIrql == PASSIVE_LEVEL);
    NdisReleaseSpinLock(&Guarded.Lock);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);

    KeRaiseIrql(APC_LEVEL, &old);
    NdisAcquireSpinLock(&Guarded.Lock);
    CHECK(Guarded.Lock.OldIrql == APC_LEVEL);
    NdisReleaseSpinLock(&Guarded.Lock);
    CHECK(KeGetCurrentIrql() == APC_LEVEL);
    KeLowerIrql(old);

    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisDprAcquireSpinLock(&Guarded.Lock);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisDprReleaseSpinLock(&Guarded.Lock);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    KeLowerIrql(old);
    NdisFreeSpinLock(&Guarded.Lock);
    return failures;
}

/* Invalid: acquiring a lock the caller already holds spins forever (a deadlock). */
__declspec(dllexport) ULONG TestNdisSpinLockRecursive(void)
{
    NdisAllocateSpinLock(&Guarded.Lock);
    NdisAcquireSpinLock(&Guarded.Lock);
    NdisAcquireSpinLock(&Guarded.Lock);
    return 1;
}

/* An error log entry with two values (the test reads the errorlog event); a NULL handle writes nothing. */
__declspec(dllexport) ULONG TestNdisErrorLog(void)
{
    NdisWriteErrorLogEntry((NDIS_HANDLE)&Guarded, 0xC000138AUL, 2, 0x1234UL, 0x5678UL);
    NdisWriteErrorLogEntry(NULL, 0xC000138AUL, 1, 9UL);
    return 0;
}

static const WCHAR Name[] = L"qaquickwins";

__declspec(dllexport) ULONG TestNdisMisc(void)
{
    ULONG failures = 0, up1 = 0, up2 = 0;
    LARGE_INTEGER ex1, ex2;
    UCHAR a, b;
    NDIS_STRING s;
    NdisGetSystemUpTime(&up1);
    NdisGetSystemUpTimeEx(&ex1);
    CHECK(ex1.QuadPart >= up1);
    NdisMSleep(20000); /* 20 ms */
    NdisGetSystemUpTime(&up2);
    NdisGetSystemUpTimeEx(&ex2);
    CHECK(up2 - up1 >= 20);
    CHECK(ex2.QuadPart - ex1.QuadPart >= 20);
    /* Milliseconds, not 100-ns units: 20 ms of sleep is far less than 20,000 units. */
    CHECK(ex2.QuadPart - ex1.QuadPart < 20000);

    a = NdisGeneratePartialCancelId();
    b = NdisGeneratePartialCancelId();
    CHECK(a != b);

    RtlFillMemory(&s, sizeof(s), 0xCC);
    NdisInitUnicodeString(&s, Name);
    CHECK(s.Length == sizeof(Name) - sizeof(WCHAR));
    CHECK(s.MaximumLength == sizeof(Name));
    CHECK(s.Buffer == Name);
    RtlFillMemory(&s, sizeof(s), 0xCC);
    NdisInitUnicodeString(&s, NULL);
    CHECK(s.Length == 0 && s.MaximumLength == 0 && s.Buffer == NULL);
    return failures;
}
