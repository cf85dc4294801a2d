/*
 * qafresh6.sys — lessons from a sixth held-out set of real drivers (/work/wt/qa-fresh6.md). Each
 * Test* export returns the number of failed checks (apitest.h's CHECK prints each failure).
 *
 * The WFP declarations are written here from Microsoft Learn's reference pages (fwpmk.h:
 * FwpmEngineOpen0, FwpmSubLayerAdd0, FwpmSubLayerCreateEnumHandle0, FwpmSubLayerEnum0,
 * FwpmSubLayerDestroyEnumHandle0, FwpmFreeMemory0; fwpmtypes.h: FWPM_SESSION0, FWPM_SUBLAYER0,
 * FWPM_SUBLAYER_ENUM_TEMPLATE0; ntstatus.h: STATUS_FWP_*). NTAPI: stdcall on x86.
 */
#include <ntddk.h>
#include "../include/apitest.h"

typedef unsigned char UINT8;
typedef unsigned short UINT16;
typedef unsigned int UINT32;
typedef unsigned __int64 UINT64;

typedef struct FWP_BYTE_BLOB_ { UINT32 size; UINT8 *data; } FWP_BYTE_BLOB;
typedef struct FWPM_DISPLAY_DATA0_ { wchar_t *name; wchar_t *description; } FWPM_DISPLAY_DATA0;
typedef struct FWPM_SESSION0_ {
    GUID sessionKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    UINT32 txnWaitTimeoutInMSec;
    ULONG processId;
    PVOID sid; /* SID * */
    wchar_t *username;
    BOOLEAN kernelMode;
} FWPM_SESSION0;
typedef struct FWPM_SUBLAYER0_ {
    GUID subLayerKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    GUID *providerKey;
    FWP_BYTE_BLOB providerData;
    UINT16 weight;
} FWPM_SUBLAYER0;
typedef struct FWPM_SUBLAYER_ENUM_TEMPLATE0_ { GUID *providerKey; } FWPM_SUBLAYER_ENUM_TEMPLATE0;

#define RPC_C_AUTHN_WINNT 10
#define FWPM_SESSION_FLAG_DYNAMIC 0x00000001
#define STATUS_FWP_NULL_POINTER ((NTSTATUS)0xC022001CL)
#define STATUS_FWP_INVALID_ENUMERATOR ((NTSTATUS)0xC022001DL)

__declspec(dllimport) NTSTATUS NTAPI FwpmEngineOpen0(const wchar_t *serverName, UINT32 authnService, void *authIdentity, const FWPM_SESSION0 *session, HANDLE *engineHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpmEngineClose0(HANDLE engineHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpmSubLayerAdd0(HANDLE engineHandle, const FWPM_SUBLAYER0 *subLayer, PSECURITY_DESCRIPTOR sd);
__declspec(dllimport) NTSTATUS NTAPI FwpmSubLayerDeleteByKey0(HANDLE engineHandle, const GUID *key);
__declspec(dllimport) NTSTATUS NTAPI FwpmSubLayerCreateEnumHandle0(HANDLE engineHandle, const FWPM_SUBLAYER_ENUM_TEMPLATE0 *enumTemplate, HANDLE *enumHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpmSubLayerEnum0(HANDLE engineHandle, HANDLE enumHandle, UINT32 numEntriesRequested, FWPM_SUBLAYER0 ***entries, UINT32 *numEntriesReturned);
__declspec(dllimport) NTSTATUS NTAPI FwpmSubLayerDestroyEnumHandle0(HANDLE engineHandle, HANDLE enumHandle);
__declspec(dllimport) void NTAPI FwpmFreeMemory0(void **p);

static PDRIVER_OBJECT TheDriver;
static PDRIVER_OBJECT TheDriverObject(void) { return TheDriver; }

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("qafresh6: Unload(%p)\n", DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    TheDriver = DriverObject;
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

/* Three sublayers of our own: A and B under provider P (B with provider data), C under none. */
static GUID KeyA = { 0x6a1f0001, 0x1111, 0x4222, { 0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x01 } };
static GUID KeyB = { 0x6a1f0002, 0x1111, 0x4222, { 0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x02 } };
static GUID KeyC = { 0x6a1f0003, 0x1111, 0x4222, { 0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x03 } };
static GUID ProviderP = { 0x6a1f00ff, 0x1111, 0x4222, { 0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0xff } };
static UINT8 DataB[5] = { 1, 2, 3, 4, 5 };

static NTSTATUS OpenEngine(HANDLE *engine)
{
    FWPM_SESSION0 session;
    RtlZeroMemory(&session, sizeof(session));
    session.flags = FWPM_SESSION_FLAG_DYNAMIC;
    return FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, engine);
}

static NTSTATUS AddSubLayer(HANDLE engine, GUID *key, wchar_t *name, GUID *provider, UINT16 weight, UINT8 *data, UINT32 size)
{
    FWPM_SUBLAYER0 s;
    RtlZeroMemory(&s, sizeof(s));
    s.subLayerKey = *key;
    s.displayData.name = name;
    s.displayData.description = L"qafresh6 sublayer";
    s.providerKey = provider;
    s.providerData.size = size;
    s.providerData.data = data;
    s.weight = weight;
    return FwpmSubLayerAdd0(engine, &s, NULL);
}

static ULONG AddThree(HANDLE engine)
{
    ULONG failures = 0;
    CHECK(AddSubLayer(engine, &KeyA, L"qafresh6 A", &ProviderP, 0x100, NULL, 0) == STATUS_SUCCESS);
    CHECK(AddSubLayer(engine, &KeyB, L"qafresh6 B", &ProviderP, 0x200, DataB, sizeof(DataB)) == STATUS_SUCCESS);
    CHECK(AddSubLayer(engine, &KeyC, L"qafresh6 C", NULL, 0x300, NULL, 0) == STATUS_SUCCESS);
    return failures;
}

/* Which of A, B, C an entry is (1, 2, 3), checking its copy against what was added; 0: none. */
static ULONG Which(const FWPM_SUBLAYER0 *s, ULONG *failures)
{
    UNICODE_STRING got, want;
    if (RtlEqualMemory(&s->subLayerKey, &KeyA, sizeof(GUID))) {
        if (s->weight != 0x100 || s->providerKey == NULL || !RtlEqualMemory(s->providerKey, &ProviderP, sizeof(GUID))) (*failures)++;
        if (s->providerData.size != 0) (*failures)++;
        RtlInitUnicodeString(&got, s->displayData.name);
        RtlInitUnicodeString(&want, L"qafresh6 A");
        if (!RtlEqualUnicodeString(&got, &want, FALSE)) (*failures)++;
        return 1;
    }
    if (RtlEqualMemory(&s->subLayerKey, &KeyB, sizeof(GUID))) {
        if (s->weight != 0x200 || s->providerData.size != sizeof(DataB) || s->providerData.data == NULL) (*failures)++;
        else if (!RtlEqualMemory(s->providerData.data, DataB, sizeof(DataB)) || s->providerData.data == DataB) (*failures)++;
        RtlInitUnicodeString(&got, s->displayData.description);
        RtlInitUnicodeString(&want, L"qafresh6 sublayer");
        if (!RtlEqualUnicodeString(&got, &want, FALSE)) (*failures)++;
        return 2;
    }
    if (RtlEqualMemory(&s->subLayerKey, &KeyC, sizeof(GUID))) {
        if (s->weight != 0x300 || s->providerKey != NULL) (*failures)++;
        return 3;
    }
    return 0;
}

/* Every sublayer, one at a time (as netch's driver does), then two at a time; fewer than asked
 * means the end; an enumeration with none left returns 0 entries and a NULL array. */
__declspec(dllexport) ULONG TestSubLayerEnum(void)
{
    ULONG failures = 0, seen = 0, rounds = 0;
    HANDLE engine = NULL, e = NULL;
    FWPM_SUBLAYER0 **entries;
    UINT32 n;
    CHECK(OpenEngine(&engine) == STATUS_SUCCESS);
    failures += AddThree(engine);

    CHECK(FwpmSubLayerCreateEnumHandle0(engine, NULL, &e) == STATUS_SUCCESS);
    CHECK(e != NULL);
    for (;;) {
        entries = (FWPM_SUBLAYER0 **)(ULONG_PTR)1;
        n = 99;
        CHECK(FwpmSubLayerEnum0(engine, e, 1, &entries, &n) == STATUS_SUCCESS);
        if (n == 0) { CHECK(entries == NULL); break; }
        CHECK(n == 1);
        CHECK(entries != NULL && entries[0] != NULL);
        if (entries != NULL && entries[0] != NULL) seen |= 1u << Which(entries[0], &failures);
        FwpmFreeMemory0((void **)&entries);
        CHECK(entries == NULL);
        if (++rounds > 10) break;
    }
    CHECK(rounds == 3);
    CHECK(seen == 0xE); /* A, B and C; never "none of them" */
    CHECK(FwpmSubLayerDestroyEnumHandle0(engine, e) == STATUS_SUCCESS);

    /* Two at a time: 2, then 1 (fewer than asked: the end). A sublayer deleted meanwhile is skipped. */
    CHECK(FwpmSubLayerCreateEnumHandle0(engine, NULL, &e) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerEnum0(engine, e, 2, &entries, &n) == STATUS_SUCCESS);
    CHECK(n == 2);
    if (n == 2) {
        ULONG w0 = Which(entries[0], &failures), w1 = Which(entries[1], &failures);
        CHECK(w0 != 0 && w1 != 0 && w0 != w1);
        CHECK(entries[0] != entries[1]);
    }
    FwpmFreeMemory0((void **)&entries);
    CHECK(FwpmSubLayerDeleteByKey0(engine, &KeyC) == STATUS_SUCCESS);
    n = 99;
    CHECK(FwpmSubLayerEnum0(engine, e, 2, &entries, &n) == STATUS_SUCCESS);
    CHECK(n == 0 || (n == 1 && Which(entries[0], &failures) != 3));
    if (n != 0) FwpmFreeMemory0((void **)&entries);
    CHECK(FwpmSubLayerDestroyEnumHandle0(engine, e) == STATUS_SUCCESS);
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);
    return failures;
}

/* A template with a provider key: only that provider's sublayers (A and B, not C). */
__declspec(dllexport) ULONG TestSubLayerEnumByProvider(void)
{
    ULONG failures = 0, seen = 0, i;
    HANDLE engine = NULL, e = NULL;
    FWPM_SUBLAYER0 **entries = NULL;
    UINT32 n = 0;
    FWPM_SUBLAYER_ENUM_TEMPLATE0 t;
    CHECK(OpenEngine(&engine) == STATUS_SUCCESS);
    failures += AddThree(engine);
    t.providerKey = &ProviderP;
    CHECK(FwpmSubLayerCreateEnumHandle0(engine, &t, &e) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerEnum0(engine, e, 10, &entries, &n) == STATUS_SUCCESS);
    CHECK(n == 2);
    for (i = 0; i < n && entries != NULL; i++) seen |= 1u << Which(entries[i], &failures);
    CHECK(seen == 0x6);
    FwpmFreeMemory0((void **)&entries);
    CHECK(FwpmSubLayerDestroyEnumHandle0(engine, e) == STATUS_SUCCESS);
    /* A template whose providerKey is NULL: all three. */
    t.providerKey = NULL;
    CHECK(FwpmSubLayerCreateEnumHandle0(engine, &t, &e) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerEnum0(engine, e, 10, &entries, &n) == STATUS_SUCCESS);
    CHECK(n == 3);
    FwpmFreeMemory0((void **)&entries);
    CHECK(FwpmSubLayerDestroyEnumHandle0(engine, e) == STATUS_SUCCESS);
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);
    return failures;
}

/* Invalid: an unknown or destroyed enumeration handle, NULL outputs, an unknown engine. */
__declspec(dllexport) ULONG TestSubLayerEnumBadHandles(void)
{
    ULONG failures = 0;
    HANDLE engine = NULL, e = NULL;
    FWPM_SUBLAYER0 **entries = NULL;
    UINT32 n = 0;
    CHECK(OpenEngine(&engine) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerCreateEnumHandle0(engine, NULL, NULL) == STATUS_FWP_NULL_POINTER);
    CHECK(FwpmSubLayerEnum0(engine, (HANDLE)(ULONG_PTR)0x1234, 1, &entries, &n) == STATUS_FWP_INVALID_ENUMERATOR);
    CHECK(FwpmSubLayerCreateEnumHandle0(engine, NULL, &e) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerEnum0(engine, e, 1, NULL, &n) == STATUS_FWP_NULL_POINTER);
    CHECK(FwpmSubLayerEnum0(engine, e, 1, &entries, NULL) == STATUS_FWP_NULL_POINTER);
    CHECK(FwpmSubLayerEnum0((HANDLE)(ULONG_PTR)0x5678, e, 1, &entries, &n) == STATUS_INVALID_HANDLE);
    CHECK(FwpmSubLayerDestroyEnumHandle0(engine, e) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerDestroyEnumHandle0(engine, e) == STATUS_FWP_INVALID_ENUMERATOR);
    CHECK(FwpmSubLayerEnum0(engine, e, 1, &entries, &n) == STATUS_FWP_INVALID_ENUMERATOR);
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);
    return failures;
}

/* An enumeration handle left open when its engine session closes is destroyed with it: no leak. */
__declspec(dllexport) ULONG TestSubLayerEnumEngineClose(void)
{
    ULONG failures = 0;
    HANDLE engine = NULL, e = NULL;
    CHECK(OpenEngine(&engine) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerCreateEnumHandle0(engine, NULL, &e) == STATUS_SUCCESS);
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);
    return failures;
}

/* A sublayer added with a zero key: BFE generates one (Learn, FWPM_SUBLAYER0.subLayerKey), so two
 * such adds both succeed and the enumeration returns two different non-zero keys. */
__declspec(dllexport) ULONG TestSubLayerZeroKey(void)
{
    ULONG failures = 0, i;
    HANDLE engine = NULL, e = NULL;
    FWPM_SUBLAYER0 **entries = NULL;
    UINT32 n = 0;
    GUID zero;
    RtlZeroMemory(&zero, sizeof(zero));
    CHECK(OpenEngine(&engine) == STATUS_SUCCESS);
    CHECK(AddSubLayer(engine, &zero, L"qafresh6 zero 1", NULL, 0x10, NULL, 0) == STATUS_SUCCESS);
    CHECK(AddSubLayer(engine, &zero, L"qafresh6 zero 2", NULL, 0x20, NULL, 0) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerCreateEnumHandle0(engine, NULL, &e) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerEnum0(engine, e, 10, &entries, &n) == STATUS_SUCCESS);
    CHECK(n == 2);
    for (i = 0; i < n && entries != NULL; i++) CHECK(!RtlEqualMemory(&entries[i]->subLayerKey, &zero, sizeof(GUID)));
    if (n == 2 && entries != NULL) {
        CHECK(!RtlEqualMemory(&entries[0]->subLayerKey, &entries[1]->subLayerKey, sizeof(GUID)));
        /* The generated key names the sublayer: deleting by it works. */
        CHECK(FwpmSubLayerDeleteByKey0(engine, &entries[0]->subLayerKey) == STATUS_SUCCESS);
    }
    FwpmFreeMemory0((void **)&entries);
    CHECK(FwpmSubLayerDestroyEnumHandle0(engine, e) == STATUS_SUCCESS);
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);
    return failures;
}

/* Deleting a provider context nobody added: STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND (a driver
 * cleaning up a context of an earlier run, as netch's driver does in DriverEntry). */
__declspec(dllimport) NTSTATUS NTAPI FwpmProviderContextDeleteByKey0(HANDLE engineHandle, const GUID *key);
#define STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND ((NTSTATUS)0xC0220006L)

__declspec(dllexport) ULONG TestProviderContextDeleteUnknown(void)
{
    ULONG failures = 0;
    HANDLE engine = NULL;
    CHECK(OpenEngine(&engine) == STATUS_SUCCESS);
    CHECK(FwpmProviderContextDeleteByKey0(engine, &ProviderP) == STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND);
    CHECK(FwpmProviderContextDeleteByKey0(engine, NULL) == STATUS_FWP_NULL_POINTER);
    CHECK(FwpmProviderContextDeleteByKey0((HANDLE)(ULONG_PTR)0x5678, &ProviderP) == STATUS_INVALID_HANDLE);
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);
    return failures;
}

/* ---- ntoskrnl routines held-out drivers stopped at ---- */

/* RtlSuffixUnicodeString(String1, String2, CaseInSensitive): TRUE if String1 ends String2 (phnt
 * ntrtl.h; the minifilter MinifilterSOTA.sys matches file extensions so). */
NTSYSAPI BOOLEAN NTAPI RtlSuffixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive);

__declspec(dllexport) ULONG TestRtlSuffixUnicodeString(void)
{
    ULONG failures = 0;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\HarddiskVolume2\\Users\\a\\Report.DOCX");
    UNICODE_STRING ext = RTL_CONSTANT_STRING(L".docx");
    UNICODE_STRING same = RTL_CONSTANT_STRING(L"Report.DOCX");
    UNICODE_STRING longer = RTL_CONSTANT_STRING(L"x\\Device\\HarddiskVolume2\\Users\\a\\Report.DOCX");
    UNICODE_STRING empty = { 0, 0, NULL };
    UNICODE_STRING prefix = RTL_CONSTANT_STRING(L"\\Device");
    CHECK(RtlSuffixUnicodeString(&ext, &name, TRUE) == TRUE);
    CHECK(RtlSuffixUnicodeString(&ext, &name, FALSE) == FALSE);
    CHECK(RtlSuffixUnicodeString(&same, &name, FALSE) == TRUE);
    CHECK(RtlSuffixUnicodeString(&name, &name, FALSE) == TRUE);
    CHECK(RtlSuffixUnicodeString(&longer, &name, TRUE) == FALSE);
    CHECK(RtlSuffixUnicodeString(&prefix, &name, TRUE) == FALSE);
    CHECK(RtlSuffixUnicodeString(&empty, &name, FALSE) == TRUE);
    return failures;
}

/* ExEnterCriticalRegionAndAcquireResourceExclusive / ...Shared and
 * ExReleaseResourceAndLeaveCriticalRegion (ReactOS ntoskrnl/ex/resource.c; GuardMon.sys): the
 * critical region and the resource are entered and left together; a system thread's Win32Thread
 * (the return value) is NULL. */
NTKERNELAPI PVOID NTAPI ExEnterCriticalRegionAndAcquireResourceExclusive(PERESOURCE Resource);
NTKERNELAPI PVOID NTAPI ExEnterCriticalRegionAndAcquireResourceShared(PERESOURCE Resource);
NTKERNELAPI VOID FASTCALL ExReleaseResourceAndLeaveCriticalRegion(PERESOURCE Resource);

static ERESOURCE Res;

__declspec(dllexport) ULONG TestExCriticalRegionResource(void)
{
    ULONG failures = 0;
    CHECK(ExInitializeResourceLite(&Res) == STATUS_SUCCESS);
    CHECK(KeAreApcsDisabled() == FALSE);
    CHECK(ExEnterCriticalRegionAndAcquireResourceExclusive(&Res) == NULL);
    CHECK(ExIsResourceAcquiredExclusiveLite(&Res) == TRUE);
    CHECK(KeAreApcsDisabled() == TRUE);
    ExReleaseResourceAndLeaveCriticalRegion(&Res);
    CHECK(ExIsResourceAcquiredExclusiveLite(&Res) == FALSE);
    CHECK(KeAreApcsDisabled() == FALSE);
    CHECK(ExEnterCriticalRegionAndAcquireResourceShared(&Res) == NULL);
    CHECK(ExIsResourceAcquiredSharedLite(&Res) == 1);
    CHECK(ExIsResourceAcquiredExclusiveLite(&Res) == FALSE);
    CHECK(KeAreApcsDisabled() == TRUE);
    ExReleaseResourceAndLeaveCriticalRegion(&Res);
    CHECK(ExIsResourceAcquiredSharedLite(&Res) == 0);
    CHECK(KeAreApcsDisabled() == FALSE);
    CHECK(ExDeleteResourceLite(&Res) == STATUS_SUCCESS);
    return failures;
}

/* Invalid: releasing a resource nobody holds is RESOURCE_NOT_OWNED (0xE3). */
__declspec(dllexport) ULONG TestExReleaseAndLeaveNotOwned(void)
{
    ExInitializeResourceLite(&Res);
    ExReleaseResourceAndLeaveCriticalRegion(&Res);
    return 0;
}

/* MmQuerySystemSize (Learn, wdm.h): the 4 GB machine model is MmLargeSystem; KdRefreshDebuggerNotPresent
 * (Learn, wdm.h): no kernel debugger, TRUE, the same as KD_DEBUGGER_NOT_PRESENT (Xbox xnacc.sys). */
__declspec(dllexport) ULONG TestPlatformQueries(void)
{
    ULONG failures = 0;
    CHECK(MmQuerySystemSize() == MmLargeSystem);
    CHECK(KdRefreshDebuggerNotPresent() == TRUE);
    CHECK(KD_DEBUGGER_NOT_PRESENT == TRUE);
    return failures;
}

/* IoSetDeviceInterfacePropertyData (Learn, wdm.h): an ntoskrnl export an audio driver imports; the
 * image must load (the routine itself is not emulated: a call is reported as a gap). */
NTKERNELAPI NTSTATUS NTAPI IoSetDeviceInterfacePropertyData(PUNICODE_STRING SymbolicLinkName, const void *PropertyKey, LCID Lcid, ULONG Flags, ULONG Type, ULONG Size, PVOID Data);
static PVOID volatile Resolved;

__declspec(dllexport) ULONG TestIoSetDeviceInterfacePropertyDataResolves(void)
{
    ULONG failures = 0;
    Resolved = (PVOID)IoSetDeviceInterfacePropertyData;
    CHECK(Resolved != NULL);
    return failures;
}

/* \Device\Beep, beep.sys's device, which every Windows has: a filter attaches to it by name with
 * IoAttachDevice (Logitech's LBeepKE.sys does so in DriverEntry) and detaches at unload. */
#ifndef FILE_DEVICE_BEEP
#define FILE_DEVICE_BEEP 0x00000001
#endif

__declspec(dllexport) ULONG TestBeepDeviceAttach(void)
{
    ULONG failures = 0;
    PDEVICE_OBJECT filter = NULL, lower = NULL;
    UNICODE_STRING beep = RTL_CONSTANT_STRING(L"\\Device\\Beep");
    UNICODE_STRING none = RTL_CONSTANT_STRING(L"\\Device\\NoSuchBeep");
    NTSTATUS st = IoCreateDevice(TheDriverObject(), 0, NULL, FILE_DEVICE_BEEP, 0, FALSE, &filter);
    CHECK(st == STATUS_SUCCESS);
    if (!NT_SUCCESS(st)) return failures;
    CHECK(IoAttachDevice(filter, &beep, &lower) == STATUS_SUCCESS);
    CHECK(lower != NULL);
    if (lower != NULL) {
        CHECK(lower->DeviceType == FILE_DEVICE_BEEP);
        CHECK((lower->Flags & DO_BUFFERED_IO) != 0);
        IoDetachDevice(lower);
    }
    CHECK(IoAttachDevice(filter, &none, &lower) == STATUS_OBJECT_NAME_NOT_FOUND);
    IoDeleteDevice(filter);
    return failures;
}
