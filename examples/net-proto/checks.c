/*
 * netproto.sys — checks of the NDIS 6 protocol registration, NDIS events and processor counts.
 * Each Test* export returns the number of failed checks (0 = all passed).
 */
#include "netproto.h"

LONG NTAPI TestProtocolRegistration(void)
{
    LONG failures = 0;
    NDIS_PROTOCOL_DRIVER_CHARACTERISTICS chars;
    NDIS_HANDLE handle;
    NDIS_STATUS status;

    ProtoFillCharacteristics(&chars, L"NETPROTO_TEST");
    chars.Header.Type = 0x80;
    handle = (NDIS_HANDLE)1;
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);
    CHECK(handle == (NDIS_HANDLE)1);

    ProtoFillCharacteristics(&chars, L"NETPROTO_TEST");
    chars.Header.Revision = 3;
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);

    ProtoFillCharacteristics(&chars, L"NETPROTO_TEST");
    chars.Header.Size = (USHORT)FIELD_OFFSET(NDIS_PROTOCOL_DRIVER_CHARACTERISTICS, SendNetBufferListsCompleteHandler);
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);

    ProtoFillCharacteristics(&chars, L"NETPROTO_TEST");
    chars.MajorNdisVersion = 5;
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_BAD_VERSION);
    chars.MajorNdisVersion = 6;
    chars.MinorNdisVersion = 99;
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_BAD_VERSION);

    ProtoFillCharacteristics(&chars, L"NETPROTO_TEST");
    chars.BindAdapterHandlerEx = NULL;
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);

    ProtoFillCharacteristics(&chars, L"");
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);
    CHECK(handle == (NDIS_HANDLE)1);

    /* DriverEntry registered "NETPROTO": a second protocol of that name is refused. */
    ProtoFillCharacteristics(&chars, L"netproto");
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_FAILURE);

    /* Revision 2 (NDIS 6.30) with its larger size is accepted; the optional handlers may stay NULL. */
    ProtoFillCharacteristics(&chars, L"NETPROTO_TEST");
    chars.Header.Revision = NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2;
    chars.Header.Size = NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2;
    chars.MinorNdisVersion = 30;
    handle = NULL;
    status = NdisRegisterProtocolDriver(&chars, &chars, &handle);
    CHECK(status == NDIS_STATUS_SUCCESS);
    CHECK(handle != NULL && handle != g_Proto.Protocol);
    if (status == NDIS_STATUS_SUCCESS) {
        NdisDeregisterProtocolDriver(handle);
        /* The name is free again once deregistered. */
        handle = NULL;
        CHECK(NdisRegisterProtocolDriver(NULL, &chars, &handle) == NDIS_STATUS_SUCCESS);
        if (handle) NdisDeregisterProtocolDriver(handle);
    }
    return failures;
}

LONG NTAPI TestNdisEvents(void)
{
    LONG failures = 0;
    NDIS_EVENT event;
    ULONGLONG before, after;

    NdisInitializeEvent(&event);
    CHECK(KeReadStateEvent(&event.Event) == 0);
    before = KeQueryInterruptTime();
    CHECK(NdisWaitEvent(&event, 5) == FALSE);
    after = KeQueryInterruptTime();
    CHECK(after - before >= 5 * 10000);

    NdisSetEvent(&event);
    CHECK(KeReadStateEvent(&event.Event) == 1);
    CHECK(NdisWaitEvent(&event, 0) == TRUE);
    /* A notification event stays signaled after a wait. */
    CHECK(NdisWaitEvent(&event, 1) == TRUE);

    NdisResetEvent(&event);
    CHECK(KeReadStateEvent(&event.Event) == 0);
    CHECK(NdisWaitEvent(&event, 1) == FALSE);
    return failures;
}

LONG NTAPI TestProcessorCounts(void)
{
    LONG failures = 0;
    CHECK((ULONG)NdisSystemProcessorCount() == KeQueryActiveProcessorCount(NULL));
    CHECK(NdisGroupMaxProcessorCount(0) >= NdisGroupActiveProcessorCount(0));
    CHECK(NdisGroupActiveProcessorCount(0) == KeQueryActiveProcessorCountEx(0));
    CHECK(NdisGroupActiveProcessorCount(0) >= 1);
    /* A group the machine does not have has no processors. */
    CHECK(NdisGroupMaxProcessorCount(7) == 0);
    CHECK(NdisGroupActiveProcessorCount(7) == 0);
    return failures;
}

/* DriverEntry made one device per TCP/IP binding; NDIS never bound the protocol (no adapter). */
LONG NTAPI TestCaptureDevices(void)
{
    LONG failures = 0;
    PWSTR bindings = NULL;
    ULONG entries = 0, i;
    PWSTR entry;

    CHECK(NT_SUCCESS(ProtoReadTcpBindings(&bindings)));
    if (bindings) {
        for (entry = bindings; *entry; entry += wcslen(entry) + 1) entries++;
        ExFreePoolWithTag(bindings, NETPROTO_TAG);
    }
    CHECK(entries >= 1);
    CHECK(g_Proto.AdapterCount == entries);
    CHECK(g_Proto.Protocol != NULL);
    CHECK(g_Proto.BindCalls == 0);
    for (i = 0; i < g_Proto.AdapterCount; i++) {
        CHECK(g_Proto.Devices[i] != NULL && g_Proto.Devices[i]->DriverObject == g_Proto.Driver);
        CHECK(g_Proto.Devices[i] != NULL && g_Proto.Devices[i]->DeviceType == FILE_DEVICE_NETWORK);
    }
    return failures;
}

/* A wild characteristics pointer: NDIS reads it and faults. */
LONG NTAPI WildCharacteristics(void)
{
    NDIS_HANDLE handle = NULL;
    return NdisRegisterProtocolDriver(NULL, (NDIS_PROTOCOL_DRIVER_CHARACTERISTICS *)(ULONG_PTR)0x10, &handle);
}

/* A handle NdisRegisterProtocolDriver never returned. */
LONG NTAPI DeregisterUnknown(void)
{
    NdisDeregisterProtocolDriver((NDIS_HANDLE)&g_Proto);
    return 0;
}

/*
 * TestProtocolTimer: an NDIS 6 timer object on the protocol driver handle (Learn: NdisAllocateTimerObject
 * takes "an NDIS handle that was obtained during caller initialization"), as Marvell's yk62x64l.sys
 * allocates one with the handle NdisRegisterProtocolDriver gave it: it fires once, at DISPATCH_LEVEL.
 */
typedef VOID (NTAPI *PROTO_TIMER_FUNCTION)(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3);
typedef struct _PROTO_TIMER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    ULONG AllocationTag;
    PROTO_TIMER_FUNCTION TimerFunction;
    PVOID FunctionContext;
} PROTO_TIMER_CHARACTERISTICS;
NTSYSAPI NDIS_STATUS NTAPI NdisAllocateTimerObject(NDIS_HANDLE NdisHandle, PROTO_TIMER_CHARACTERISTICS *TimerCharacteristics, NDIS_HANDLE *pTimerObject);
NTSYSAPI BOOLEAN NTAPI NdisSetTimerObject(NDIS_HANDLE TimerObject, LARGE_INTEGER DueTime, LONG MillisecondsPeriod, PVOID FunctionContext);
NTSYSAPI VOID NTAPI NdisFreeTimerObject(NDIS_HANDLE TimerObject);

static volatile LONG g_TimerRuns;
static KIRQL g_TimerIrql = 0xFF;
static VOID NTAPI ProtoTimer(PVOID S1, PVOID Context, PVOID S2, PVOID S3)
{
    UNREFERENCED_PARAMETER(S1);
    UNREFERENCED_PARAMETER(S2);
    UNREFERENCED_PARAMETER(S3);
    if (Context == (PVOID)&g_TimerRuns) g_TimerRuns++;
    g_TimerIrql = KeGetCurrentIrql();
}

LONG NTAPI TestProtocolTimer(void)
{
    LONG failures = 0;
    PROTO_TIMER_CHARACTERISTICS c;
    NDIS_HANDLE timer = NULL;
    LARGE_INTEGER due, wait;

    RtlZeroMemory(&c, sizeof(c));
    c.Header.Type = 0x97; /* NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS */
    c.Header.Revision = 1;
    c.Header.Size = (USHORT)sizeof(c);
    c.AllocationTag = 'mTpN';
    c.TimerFunction = ProtoTimer;
    c.FunctionContext = (PVOID)&g_TimerRuns;
    CHECK(g_Proto.Protocol != NULL);
    CHECK(NdisAllocateTimerObject(g_Proto.Protocol, &c, &timer) == NDIS_STATUS_SUCCESS && timer != NULL);
    if (timer == NULL) return failures;
    due.QuadPart = -2LL * 10000;
    CHECK(NdisSetTimerObject(timer, due, 0, NULL) == FALSE);
    wait.QuadPart = -5LL * 10000;
    KeDelayExecutionThread(KernelMode, FALSE, &wait);
    CHECK(g_TimerRuns == 1 && g_TimerIrql == DISPATCH_LEVEL);
    NdisFreeTimerObject(timer);
    return failures;
}
