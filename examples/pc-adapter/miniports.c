/*
 * pcadapter.sys — the driver's own COM objects, in C as a C++ adapter's classes compile: a topology
 * miniport (IMiniportTopology), a WaveRT miniport (IMiniportWaveRT) and the adapter common object
 * (IAdapterPowerManagement). Each is a block whose first pointer is its vtable; the reference count
 * frees it at zero. The miniports' Init checks what portcls hands them: the port answers
 * IPortEvents (GenerateEventList is callable), the WaveRT port the stream resource manager.
 */
#include "pcadapter.h"

LONG MiniportInits, MiniportsFreed, AdapterFreed, PortEventsSeen;

typedef struct _MINIPORT {
    const void *lpVtbl;
    LONG Refs;
    BOOLEAN Wave;
    PPCPORT Port;
    PPCPORTEVENTS Events;
} MINIPORT, *PMINIPORT;

static const GUID NoCategory = {0};
static PCFILTER_DESCRIPTOR_MIN TopologyFilter = {0x10, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL, 1, &PcKSCATEGORY_AUDIO};
static PCFILTER_DESCRIPTOR_MIN WaveFilter = {0x10, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL, 1, &PcKSCATEGORY_AUDIO};

static NTSTATUS NTAPI MpQueryInterface(PMINIPORT This, const GUID *Iid, PVOID *Out)
{
    const GUID *own = This->Wave ? &PcIID_IMiniportWaveRT : &PcIID_IMiniportTopology;
    if (PcSameGuid(Iid, &PcIID_IUnknown) || PcSameGuid(Iid, &PcIID_IUnknownKernel) || PcSameGuid(Iid, own)) {
        InterlockedIncrement(&This->Refs);
        *Out = This;
        return STATUS_SUCCESS;
    }
    *Out = NULL;
    return STATUS_INVALID_PARAMETER;
}

static ULONG NTAPI MpAddRef(PMINIPORT This) { return (ULONG)InterlockedIncrement(&This->Refs); }

static ULONG NTAPI MpRelease(PMINIPORT This)
{
    LONG left = InterlockedDecrement(&This->Refs);
    if (left == 0) {
        /* The miniport's destructor lets go of what Init took from the port. */
        if (This->Events) This->Events->lpVtbl->Release(This->Events);
        if (This->Port) This->Port->lpVtbl->Release(This->Port);
        DbgPrint("pcadapter: %s miniport freed\n", This->Wave ? "wave" : "topology");
        InterlockedIncrement(&MiniportsFreed);
        ExFreePoolWithTag(This, 'MpcP');
    }
    return (ULONG)left;
}

static NTSTATUS NTAPI MpGetDescription(PMINIPORT This, PCFILTER_DESCRIPTOR_MIN **Out)
{
    *Out = This->Wave ? &WaveFilter : &TopologyFilter;
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI MpDataRangeIntersection(PMINIPORT This, ULONG Pin, PVOID Range, PVOID Matching, ULONG Length, PVOID Result, PULONG ResultLength)
{
    UNREFERENCED_PARAMETER(This); UNREFERENCED_PARAMETER(Pin); UNREFERENCED_PARAMETER(Range); UNREFERENCED_PARAMETER(Matching);
    UNREFERENCED_PARAMETER(Length); UNREFERENCED_PARAMETER(Result); UNREFERENCED_PARAMETER(ResultLength);
    return STATUS_NOT_IMPLEMENTED;
}

/* IMiniportTopology::Init / IMiniportWaveRT::Init(UnknownAdapter, ResourceList, Port). */
static NTSTATUS NTAPI MpInit(PMINIPORT This, PPCUNKNOWN UnknownAdapter, PPCRESOURCELIST ResourceList, PPCPORT Port)
{
    NTSTATUS status;
    PVOID waveRt = NULL;
    UNREFERENCED_PARAMETER(UnknownAdapter);
    UNREFERENCED_PARAMETER(ResourceList);
    InterlockedIncrement(&MiniportInits);
    This->Port = Port;
    Port->lpVtbl->AddRef(Port);
    status = Port->lpVtbl->QueryInterface(Port, &PcIID_IPortEvents, (PVOID *)&This->Events);
    if (!NT_SUCCESS(status)) return status;
    This->Events->lpVtbl->GenerateEventList(This->Events, &NoCategory, 0, FALSE, 0, TRUE, 1);
    InterlockedIncrement(&PortEventsSeen);
    /* Only the WaveRT port answers IPortWaveRT. */
    status = Port->lpVtbl->QueryInterface(Port, &PcIID_IPortWaveRT, &waveRt);
    if (This->Wave != (NT_SUCCESS(status) && waveRt == (PVOID)Port)) return STATUS_INVALID_DEVICE_STATE;
    if (waveRt) Port->lpVtbl->Release(Port);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI MpNewStream(PMINIPORT This, PVOID *Stream, PVOID PortStream, ULONG Pin, BOOLEAN Capture, PVOID Format)
{
    UNREFERENCED_PARAMETER(This); UNREFERENCED_PARAMETER(PortStream); UNREFERENCED_PARAMETER(Pin); UNREFERENCED_PARAMETER(Capture); UNREFERENCED_PARAMETER(Format);
    *Stream = NULL;
    return STATUS_NOT_SUPPORTED;
}

static NTSTATUS NTAPI MpGetDeviceDescription(PMINIPORT This, PVOID Description)
{
    UNREFERENCED_PARAMETER(This); UNREFERENCED_PARAMETER(Description);
    return STATUS_NOT_SUPPORTED;
}

/* IMiniportTopology: IUnknown, GetDescription, DataRangeIntersection, Init. IMiniportWaveRT adds NewStream, GetDeviceDescription. */
static const void *TopologyVtbl[] = { (void *)MpQueryInterface, (void *)MpAddRef, (void *)MpRelease, (void *)MpGetDescription, (void *)MpDataRangeIntersection, (void *)MpInit };
static const void *WaveVtbl[] = { (void *)MpQueryInterface, (void *)MpAddRef, (void *)MpRelease, (void *)MpGetDescription, (void *)MpDataRangeIntersection, (void *)MpInit, (void *)MpNewStream, (void *)MpGetDeviceDescription };

static PPCUNKNOWN NewMiniport(BOOLEAN wave)
{
    PMINIPORT m = (PMINIPORT)ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(MINIPORT), 'MpcP');
    if (!m) return NULL;
    RtlZeroMemory(m, sizeof(*m));
    m->lpVtbl = wave ? (const void *)WaveVtbl : (const void *)TopologyVtbl;
    m->Refs = 1;
    m->Wave = wave;
    return (PPCUNKNOWN)m;
}

PPCUNKNOWN NewTopologyMiniport(void) { return NewMiniport(FALSE); }
PPCUNKNOWN NewWaveMiniport(void) { return NewMiniport(TRUE); }

/* The adapter common object: IUnknown + IAdapterPowerManagement (PowerChangeState, QueryPowerChangeState, QueryDeviceCapabilities). */
typedef struct _ADAPTER { const void *lpVtbl; LONG Refs; } ADAPTER, *PADAPTER;

static NTSTATUS NTAPI AdQueryInterface(PADAPTER This, const GUID *Iid, PVOID *Out)
{
    if (PcSameGuid(Iid, &PcIID_IUnknown) || PcSameGuid(Iid, &PcIID_IUnknownKernel) || PcSameGuid(Iid, &PcIID_IAdapterPowerManagement)) {
        InterlockedIncrement(&This->Refs);
        *Out = This;
        return STATUS_SUCCESS;
    }
    *Out = NULL;
    return STATUS_INVALID_PARAMETER;
}
static ULONG NTAPI AdAddRef(PADAPTER This) { return (ULONG)InterlockedIncrement(&This->Refs); }
static ULONG NTAPI AdRelease(PADAPTER This)
{
    LONG left = InterlockedDecrement(&This->Refs);
    if (left == 0) {
        DbgPrint("pcadapter: adapter common freed\n");
        InterlockedIncrement(&AdapterFreed);
        ExFreePoolWithTag(This, 'ApcP');
    }
    return (ULONG)left;
}
static VOID NTAPI AdPowerChangeState(PADAPTER This, POWER_STATE State) { UNREFERENCED_PARAMETER(This); UNREFERENCED_PARAMETER(State); }
static NTSTATUS NTAPI AdQueryPowerChangeState(PADAPTER This, POWER_STATE State) { UNREFERENCED_PARAMETER(This); UNREFERENCED_PARAMETER(State); return STATUS_SUCCESS; }
static NTSTATUS NTAPI AdQueryDeviceCapabilities(PADAPTER This, PDEVICE_CAPABILITIES Caps) { UNREFERENCED_PARAMETER(This); UNREFERENCED_PARAMETER(Caps); return STATUS_SUCCESS; }
static const void *AdapterVtbl[] = { (void *)AdQueryInterface, (void *)AdAddRef, (void *)AdRelease, (void *)AdPowerChangeState, (void *)AdQueryPowerChangeState, (void *)AdQueryDeviceCapabilities };

PPCUNKNOWN NewAdapterCommon(void)
{
    PADAPTER a = (PADAPTER)ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(ADAPTER), 'ApcP');
    if (!a) return NULL;
    a->lpVtbl = AdapterVtbl;
    a->Refs = 1;
    return (PPCUNKNOWN)a;
}

/* A service sink (IServiceSink: IUnknown + RequestService), as a WaveCyclic stream is one. */
LONG SinkServiced;
typedef struct _SINK { const void *lpVtbl; LONG Refs; } SINK, *PSINK;
static NTSTATUS NTAPI SkQueryInterface(PSINK This, const GUID *Iid, PVOID *Out)
{
    if (PcSameGuid(Iid, &PcIID_IUnknown) || PcSameGuid(Iid, &PcIID_IUnknownKernel) || PcSameGuid(Iid, &PcIID_IServiceSink)) {
        InterlockedIncrement(&This->Refs);
        *Out = This;
        return STATUS_SUCCESS;
    }
    *Out = NULL;
    return STATUS_INVALID_PARAMETER;
}
static ULONG NTAPI SkAddRef(PSINK This) { return (ULONG)InterlockedIncrement(&This->Refs); }
static ULONG NTAPI SkRelease(PSINK This)
{
    LONG left = InterlockedDecrement(&This->Refs);
    if (left == 0) ExFreePoolWithTag(This, 'SpcP');
    return (ULONG)left;
}
static VOID NTAPI SkRequestService(PSINK This) { UNREFERENCED_PARAMETER(This); InterlockedIncrement(&SinkServiced); }
static const void *SinkVtbl[] = { (void *)SkQueryInterface, (void *)SkAddRef, (void *)SkRelease, (void *)SkRequestService };

PPCUNKNOWN NewServiceSink(void)
{
    PSINK s = (PSINK)ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(SINK), 'SpcP');
    if (!s) return NULL;
    s->lpVtbl = SinkVtbl;
    s->Refs = 1;
    return (PPCUNKNOWN)s;
}
