/*
 * qafresh5.sys — lessons from a fifth held-out set of real drivers: the shipped binaries of
 * well-known open-source driver projects (/work/wt/qa-fresh5.md). Each Test* export returns the
 * number of failed checks (apitest.h's CHECK prints each failure).
 *
 * The NDIS 5 declarations are written here from Microsoft Learn's reference pages (ndis.h:
 * NdisAllocateMemoryWithTag, NdisFreeMemory, NdisInitializeReadWriteLock,
 * NdisAcquireReadWriteLock, NdisReleaseReadWriteLock, NdisDprAcquireReadWriteLock,
 * NdisDprReleaseReadWriteLock) and the WDK's ndis.h layout of NDIS_RW_LOCK and LOCK_STATE (the
 * same in mingw-w64's ddk/ndis.h): a 16-byte head, then one 16-byte reference count per
 * processor, MAXIMUM_PROCESSORS of them (wdm.h: 64 on x64, 32 on x86). NTAPI: stdcall on x86.
 */
#include <ntddk.h>
#include "../include/apitest.h"

typedef int NDIS_STATUS;
typedef unsigned int UINT;
#define NDIS_STATUS_SUCCESS ((NDIS_STATUS)STATUS_SUCCESS)
#define NDIS_STATUS_FAILURE ((NDIS_STATUS)STATUS_UNSUCCESSFUL)

typedef union _QF5_RW_LOCK_REFCOUNT {
    UINT RefCount;
    UCHAR cacheLine[16];
} QF5_RW_LOCK_REFCOUNT;

typedef struct _NDIS_RW_LOCK {
    union {
        struct {
            KSPIN_LOCK SpinLock;
            PVOID Context;
        };
        UCHAR Reserved[16];
    };
    QF5_RW_LOCK_REFCOUNT RefCount[MAXIMUM_PROCESSORS];
} NDIS_RW_LOCK, *PNDIS_RW_LOCK;

typedef struct _LOCK_STATE {
    USHORT LockState;
    KIRQL OldIrql;
} LOCK_STATE, *PLOCK_STATE;

__declspec(dllimport) NDIS_STATUS NTAPI NdisAllocateMemoryWithTag(PVOID *VirtualAddress, UINT Length, ULONG Tag);
__declspec(dllimport) VOID NTAPI NdisFreeMemory(PVOID VirtualAddress, UINT Length, UINT MemoryFlags);
__declspec(dllimport) VOID NTAPI NdisInitializeReadWriteLock(PNDIS_RW_LOCK Lock);
__declspec(dllimport) VOID NTAPI NdisAcquireReadWriteLock(PNDIS_RW_LOCK Lock, BOOLEAN fWrite, PLOCK_STATE LockState);
__declspec(dllimport) VOID NTAPI NdisReleaseReadWriteLock(PNDIS_RW_LOCK Lock, PLOCK_STATE LockState);
__declspec(dllimport) VOID NTAPI NdisDprAcquireReadWriteLock(PNDIS_RW_LOCK Lock, BOOLEAN fWrite, PLOCK_STATE LockState);
__declspec(dllimport) VOID NTAPI NdisDprReleaseReadWriteLock(PNDIS_RW_LOCK Lock, PLOCK_STATE LockState);

static PDRIVER_OBJECT TheDriver;
static UNICODE_STRING TheRegistryPath;

/* PortCls's unload routine, kept as the WDK's sysvad sample keeps it (TestPcInitializeAdapterDriver). */
static PDRIVER_UNLOAD PortClsUnload;

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("qafresh5: Unload(%p)\n", DriverObject);
    if (PortClsUnload != NULL) PortClsUnload(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    TheDriver = DriverObject;
    TheRegistryPath = *RegistryPath;
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

#define QF5_TAG 'c5fQ'

/* Nonpaged memory with the caller's tag, SUCCESS and the address through the first argument;
 * a request the pool cannot meet is NDIS_STATUS_FAILURE with NULL stored. */
__declspec(dllexport) ULONG TestNdisMemoryWithTag(void)
{
    ULONG failures = 0;
    PVOID p = (PVOID)(ULONG_PTR)1;
    PUCHAR bytes;
    ULONG i;
    NDIS_STATUS st = NdisAllocateMemoryWithTag(&p, 200, QF5_TAG);
    CHECK(st == NDIS_STATUS_SUCCESS);
    CHECK(p != NULL && p != (PVOID)(ULONG_PTR)1);
    if (st != NDIS_STATUS_SUCCESS || p == NULL) return failures;
    bytes = (PUCHAR)p;
    for (i = 0; i < 200; i++) bytes[i] = (UCHAR)i;
    CHECK(bytes[199] == 199);
    /* Nonpaged: usable at DISPATCH_LEVEL. */
    {
        KIRQL old;
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        CHECK(bytes[7] == 7);
        KeLowerIrql(old);
    }
    NdisFreeMemory(p, 200, 0);

    p = (PVOID)(ULONG_PTR)1;
    st = NdisAllocateMemoryWithTag(&p, 0xFFFFFFF0u, QF5_TAG);
    CHECK(st == NDIS_STATUS_FAILURE);
    CHECK(p == NULL);
    return failures;
}

static PVOID Kept;

/* Invalid: memory never freed stays in nonpaged pool after the driver unloads (a leak with the tag). */
__declspec(dllexport) ULONG TestNdisMemoryWithTagLeak(void)
{
    return NdisAllocateMemoryWithTag(&Kept, 64, QF5_TAG) != NDIS_STATUS_SUCCESS;
}

/* The caller's NDIS_RW_LOCK between two guards: initialization zeroes exactly sizeof(NDIS_RW_LOCK). */
static struct {
    UCHAR Before[16];
    NDIS_RW_LOCK Lock;
    UCHAR After[16];
} Guarded;

static ULONG CheckInitialized(void)
{
    ULONG failures = 0, i, nonzero = 0;
    const UCHAR *b = (const UCHAR *)&Guarded.Lock;
    for (i = 0; i < sizeof(Guarded.Before); i++) CHECK(Guarded.Before[i] == 0xAA && Guarded.After[i] == 0xAA);
    for (i = 0; i < sizeof(NDIS_RW_LOCK); i++) nonzero += b[i] != 0;
    CHECK(nonzero == 0);
    return failures;
}

/* Read (recursive, each with its own LOCK_STATE) and write: every acquisition raises to
 * DISPATCH_LEVEL and its release restores the IRQL the caller had (PASSIVE_LEVEL, APC_LEVEL). */
__declspec(dllexport) ULONG TestNdisReadWriteLock(void)
{
    ULONG failures = 0;
    LOCK_STATE outer, inner;
    KIRQL old;
    RtlFillMemory(&Guarded, sizeof(Guarded), 0xAA);
    NdisInitializeReadWriteLock(&Guarded.Lock);
    failures += CheckInitialized();
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);

    NdisAcquireReadWriteLock(&Guarded.Lock, FALSE, &outer);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    CHECK(outer.OldIrql == PASSIVE_LEVEL);
    NdisAcquireReadWriteLock(&Guarded.Lock, FALSE, &inner);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    CHECK(inner.OldIrql == DISPATCH_LEVEL);
    NdisReleaseReadWriteLock(&Guarded.Lock, &inner);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisReleaseReadWriteLock(&Guarded.Lock, &outer);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);

    KeRaiseIrql(APC_LEVEL, &old);
    NdisAcquireReadWriteLock(&Guarded.Lock, TRUE, &outer);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    CHECK(outer.OldIrql == APC_LEVEL);
    NdisReleaseReadWriteLock(&Guarded.Lock, &outer);
    CHECK(KeGetCurrentIrql() == APC_LEVEL);
    KeLowerIrql(old);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
    return failures;
}

/* The Dpr variants run at DISPATCH_LEVEL and leave the IRQL alone. */
__declspec(dllexport) ULONG TestNdisReadWriteLockDpc(void)
{
    ULONG failures = 0;
    LOCK_STATE st;
    KIRQL old;
    NdisInitializeReadWriteLock(&Guarded.Lock);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisDprAcquireReadWriteLock(&Guarded.Lock, TRUE, &st);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisDprReleaseReadWriteLock(&Guarded.Lock, &st);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    NdisDprAcquireReadWriteLock(&Guarded.Lock, FALSE, &st);
    NdisDprReleaseReadWriteLock(&Guarded.Lock, &st);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    KeLowerIrql(old);
    return failures;
}

/* Invalid: a lock NdisInitializeReadWriteLock never initialized (Learn: it must come first). */
__declspec(dllexport) ULONG TestNdisReadWriteLockUninitialized(void)
{
    static NDIS_RW_LOCK never;
    LOCK_STATE st;
    NdisAcquireReadWriteLock(&never, FALSE, &st);
    NdisReleaseReadWriteLock(&never, &st);
    return KeGetCurrentIrql() != PASSIVE_LEVEL;
}

/* hidport.h (Microsoft Learn: HID_MINIDRIVER_REGISTRATION, HidRegisterMinidriver; library
 * Hidclass.lib). HID_REVISION is 1. */
typedef struct _HID_MINIDRIVER_REGISTRATION {
    ULONG Revision;
    PDRIVER_OBJECT DriverObject;
    PUNICODE_STRING RegistryPath;
    ULONG DeviceExtensionSize;
    BOOLEAN DevicesArePolled;
    UCHAR Reserved[3];
} HID_MINIDRIVER_REGISTRATION, *PHID_MINIDRIVER_REGISTRATION;
#define HID_REVISION 0x00000001
__declspec(dllimport) NTSTATUS NTAPI HidRegisterMinidriver(PHID_MINIDRIVER_REGISTRATION MinidriverRegistration);

static NTSTATUS RegisterWith(ULONG revision, PDRIVER_OBJECT driver)
{
    HID_MINIDRIVER_REGISTRATION reg;
    RtlZeroMemory(&reg, sizeof(reg));
    reg.Revision = revision;
    reg.DriverObject = driver;
    reg.RegistryPath = &TheRegistryPath;
    reg.DeviceExtensionSize = 32;
    reg.DevicesArePolled = FALSE;
    return HidRegisterMinidriver(&reg);
}

/* A HID minidriver's DriverEntry registration: STATUS_SUCCESS, and the class driver owns the
 * driver object — its dispatch table, AddDevice and DriverUnload are hidclass's now; the stop
 * still reaches our Unload through hidclass's. */
__declspec(dllexport) ULONG TestHidRegister(void)
{
    ULONG failures = 0;
    PDRIVER_DISPATCH create = TheDriver->MajorFunction[IRP_MJ_CREATE];
    CHECK(TheDriver->DriverUnload == Unload);
    CHECK(RegisterWith(HID_REVISION, TheDriver) == STATUS_SUCCESS);
    CHECK(TheDriver->DriverUnload != NULL && TheDriver->DriverUnload != Unload);
    CHECK(TheDriver->MajorFunction[IRP_MJ_CREATE] != NULL && TheDriver->MajorFunction[IRP_MJ_CREATE] != create);
    CHECK(TheDriver->MajorFunction[IRP_MJ_PNP] == TheDriver->MajorFunction[IRP_MJ_CREATE]);
    CHECK(TheDriver->DriverExtension->AddDevice != NULL);
    return failures;
}

/* A revision this HID class driver does not support: STATUS_REVISION_MISMATCH, nothing taken over. */
__declspec(dllexport) ULONG TestHidRevisionMismatch(void)
{
    ULONG failures = 0;
    CHECK(RegisterWith(HID_REVISION + 1, TheDriver) == STATUS_REVISION_MISMATCH);
    CHECK(TheDriver->DriverUnload == Unload);
    CHECK(TheDriver->DriverExtension->AddDevice == NULL);
    return failures;
}

/* Invalid: DriverObject is not a driver object (hidclass dereferences it). */
__declspec(dllexport) ULONG TestHidBadDriverObject(void)
{
    static UCHAR notADriver[0x200];
    return (ULONG)RegisterWith(HID_REVISION, (PDRIVER_OBJECT)notADriver);
}

/* portcls.h (Microsoft Learn: PcInitializeAdapterDriver; library Portcls.lib). */
__declspec(dllimport) NTSTATUS NTAPI PcInitializeAdapterDriver(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPathName, PDRIVER_ADD_DEVICE AddDevice);

static NTSTATUS NTAPI AdapterAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(PhysicalDeviceObject);
    return STATUS_UNSUCCESSFUL;
}

static NTSTATUS NTAPI OwnDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    return STATUS_UNSUCCESSFUL;
}

/* An audio adapter's DriverEntry (Learn, "Startup Sequence"): PortCls's handler goes into the
 * eleven major functions Learn lists (one routine for all), the others stay the driver's; the
 * adapter's own AddDevice goes into the driver extension; DriverUnload becomes PortCls's, which
 * the driver keeps and calls from its own unload (sysvad's pattern). */
__declspec(dllexport) ULONG TestPcInitializeAdapterDriver(void)
{
    static const UCHAR portcls[] = { IRP_MJ_CREATE, IRP_MJ_CLOSE, IRP_MJ_READ, IRP_MJ_WRITE, IRP_MJ_FLUSH_BUFFERS, IRP_MJ_DEVICE_CONTROL,
                                     IRP_MJ_QUERY_SECURITY, IRP_MJ_SET_SECURITY, IRP_MJ_POWER, IRP_MJ_SYSTEM_CONTROL, IRP_MJ_PNP };
    ULONG failures = 0, i, mine = 0;
    PDRIVER_DISPATCH handler;
    for (i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) TheDriver->MajorFunction[i] = OwnDispatch;
    CHECK(PcInitializeAdapterDriver(TheDriver, &TheRegistryPath, AdapterAddDevice) == STATUS_SUCCESS);
    handler = TheDriver->MajorFunction[IRP_MJ_CREATE];
    CHECK(handler != NULL && handler != OwnDispatch);
    for (i = 0; i < ARRAY_LEN(portcls); i++) CHECK(TheDriver->MajorFunction[portcls[i]] == handler);
    for (i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) mine += TheDriver->MajorFunction[i] == OwnDispatch;
    CHECK(mine == IRP_MJ_MAXIMUM_FUNCTION + 1 - ARRAY_LEN(portcls));
    CHECK(TheDriver->MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] == OwnDispatch);
    CHECK(TheDriver->DriverExtension->AddDevice == AdapterAddDevice);
    CHECK(TheDriver->DriverUnload != NULL && TheDriver->DriverUnload != Unload);
    PortClsUnload = TheDriver->DriverUnload;
    TheDriver->DriverUnload = Unload;
    return failures;
}

/* Invalid: DriverObject is not a driver object (PortCls writes into it). */
__declspec(dllexport) ULONG TestPcBadDriverObject(void)
{
    static UCHAR notADriver[0x200];
    return (ULONG)PcInitializeAdapterDriver((PDRIVER_OBJECT)notADriver, &TheRegistryPath, AdapterAddDevice);
}

/* fwpmk.h (Microsoft Learn: FwpmProviderContextAdd1 — Windows 7 and later, Add2 — Windows 8, Add3 —
 * Windows 10 1607; library Fwpkclnt.lib). Mullvad's split-tunnel driver imports
 * FwpmProviderContextAdd1: the image must load (the routines themselves are emulator gaps). */
__declspec(dllimport) NTSTATUS NTAPI FwpmProviderContextAdd1(HANDLE EngineHandle, const void *ProviderContext, PSECURITY_DESCRIPTOR Sd, UINT64 *Id);
__declspec(dllimport) NTSTATUS NTAPI FwpmProviderContextAdd2(HANDLE EngineHandle, const void *ProviderContext, PSECURITY_DESCRIPTOR Sd, UINT64 *Id);
__declspec(dllimport) NTSTATUS NTAPI FwpmProviderContextAdd3(HANDLE EngineHandle, const void *ProviderContext, PSECURITY_DESCRIPTOR Sd, UINT64 *Id);

/* The addresses go through a volatile store, so the compiler keeps the imports. */
static PVOID volatile ResolvedFwpm[3];

__declspec(dllexport) ULONG TestFwpmProviderContextAddResolves(void)
{
    ULONG failures = 0;
    ResolvedFwpm[0] = (PVOID)FwpmProviderContextAdd1;
    ResolvedFwpm[1] = (PVOID)FwpmProviderContextAdd2;
    ResolvedFwpm[2] = (PVOID)FwpmProviderContextAdd3;
    CHECK(ResolvedFwpm[0] != NULL && ResolvedFwpm[1] != NULL && ResolvedFwpm[2] != NULL);
    return failures;
}
