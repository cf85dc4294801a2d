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
typedef int NDIS_STATUS;
typedef ANSI_STRING NDIS_ANSI_STRING, *PNDIS_ANSI_STRING;
__declspec(dllimport) NDIS_STATUS NTAPI NdisUnicodeStringToAnsiString(PNDIS_ANSI_STRING DestinationString, PNDIS_STRING SourceString);
__declspec(dllimport) NDIS_STATUS NTAPI NdisUpcaseUnicodeString(PNDIS_STRING DestinationString, PNDIS_STRING SourceString);
__declspec(dllimport) VOID NTAPI NdisInitializeWrapper(NDIS_HANDLE *NdisWrapperHandle, PVOID SystemSpecific1, PVOID SystemSpecific2, PVOID SystemSpecific3);
__declspec(dllimport) VOID NTAPI NdisTerminateWrapper(NDIS_HANDLE NdisWrapperHandle, PVOID SystemSpecific);
__declspec(dllimport) NDIS_STATUS NTAPI NdisMRegisterDevice(NDIS_HANDLE NdisWrapperHandle, PNDIS_STRING DeviceName, PNDIS_STRING SymbolicName, PDRIVER_DISPATCH MajorFunctions[], PDEVICE_OBJECT *pDeviceObject, NDIS_HANDLE *NdisDeviceHandle);
__declspec(dllimport) NDIS_STATUS NTAPI NdisMDeregisterDevice(NDIS_HANDLE NdisDeviceHandle);
extern PDRIVER_OBJECT QwDriver;
extern PUNICODE_STRING QwRegistryPath;

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

static LONG Creates;

static NTSTATUS NTAPI DispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_CREATE) Creates++;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

/* NdisMRegisterDevice: a named device of the wrapper's driver, a link to it, IRPs to the given
 * dispatch routines; a name in use fails; NdisMDeregisterDevice removes both. */
__declspec(dllexport) ULONG TestNdisMRegisterDevice(void)
{
    ULONG failures = 0;
    NDIS_HANDLE wrapper = NULL, handle = NULL, handle2 = (NDIS_HANDLE)1;
    PDEVICE_OBJECT dev = NULL, dev2 = NULL, found = NULL;
    PFILE_OBJECT file = NULL;
    PDRIVER_DISPATCH majors[IRP_MJ_MAXIMUM_FUNCTION + 1];
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\QaQuickwinsNdis");
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\DosDevices\\QaQuickwinsNdis");
    ULONG i;
    NDIS_STATUS st;
    for (i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) majors[i] = NULL;
    majors[IRP_MJ_CREATE] = DispatchCreateClose;
    majors[IRP_MJ_CLOSE] = DispatchCreateClose;
    NdisInitializeWrapper(&wrapper, QwDriver, QwRegistryPath, NULL);
    CHECK(wrapper != NULL);
    if (wrapper == NULL) return failures;
    st = NdisMRegisterDevice(wrapper, &name, &link, majors, &dev, &handle);
    CHECK(st == 0);
    CHECK(dev != NULL && handle != NULL);
    if (st == 0 && dev != NULL) {
        CHECK(dev->DriverObject == QwDriver);
        CHECK(dev->DeviceType == FILE_DEVICE_NETWORK);
        /* Made outside DriverEntry (whose return clears it): the device opens once this is cleared. */
        dev->Flags &= ~DO_DEVICE_INITIALIZING;
        CHECK(IoGetDeviceObjectPointer(&link, FILE_ANY_ACCESS, &file, &found) == STATUS_SUCCESS);
        CHECK(found == dev && Creates == 1);
        if (file != NULL) ObDereferenceObject(file);
        /* The same names again: nothing created. */
        st = NdisMRegisterDevice(wrapper, &name, &link, majors, &dev2, &handle2);
        CHECK(st == (NDIS_STATUS)STATUS_OBJECT_NAME_COLLISION);
        CHECK(NdisMDeregisterDevice(handle) == 0);
        CHECK(IoGetDeviceObjectPointer(&link, FILE_ANY_ACCESS, &file, &found) == STATUS_OBJECT_NAME_NOT_FOUND);
    }
    NdisTerminateWrapper(wrapper, NULL);
    return failures;
}

/* Into the caller's buffers: converted / upcased, Length set; a buffer too small is
 * STATUS_BUFFER_OVERFLOW. */
__declspec(dllexport) ULONG TestNdisStrings(void)
{
    ULONG failures = 0;
    NDIS_STRING src;
    NDIS_ANSI_STRING a;
    NDIS_STRING u;
    CHAR abuf[16];
    WCHAR ubuf[16];
    RtlInitUnicodeString(&src, L"Qa-Wins1");
    a.Buffer = abuf; a.Length = 0; a.MaximumLength = sizeof(abuf);
    CHECK(NdisUnicodeStringToAnsiString(&a, &src) == 0);
    CHECK(a.Length == 8 && RtlCompareMemory(abuf, "Qa-Wins1", 8) == 8);
    u.Buffer = ubuf; u.Length = 0; u.MaximumLength = sizeof(ubuf);
    CHECK(NdisUpcaseUnicodeString(&u, &src) == 0);
    CHECK(u.Length == 16 && RtlCompareMemory(ubuf, L"QA-WINS1", 16) == 16);
    a.MaximumLength = 4;
    CHECK(NdisUnicodeStringToAnsiString(&a, &src) == (NDIS_STATUS)STATUS_BUFFER_OVERFLOW);
    u.MaximumLength = 6;
    CHECK(NdisUpcaseUnicodeString(&u, &src) == (NDIS_STATUS)STATUS_BUFFER_OVERFLOW);
    return failures;
}
