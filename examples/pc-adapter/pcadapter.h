/*
 * pcadapter.sys — the part of portcls.h a WaveRT-style audio adapter driver uses, written in C from
 * Microsoft Learn's portcls.h reference (routines, IResourceList, IPort, IPortEvents,
 * IPortClsStreamResourceManager2, IMiniportTopology, IMiniportWaveRT, IAdapterPowerManagement,
 * PCSTREAMRESOURCE_DESCRIPTOR) with the method order and GUID values of mingw-w64's ddk/portcls.h
 * and ddk/punknown.h. COM methods are STDMETHODCALLTYPE: NTAPI (stdcall on x86), `This` first.
 */
#pragma once
#include <ntddk.h>

#define PORT_CLASS_DEVICE_EXTENSION_SIZE (64 * sizeof(ULONG_PTR))
#define FILE_DEVICE_KS_TYPE 0x0000002f

/* GUIDs (mingw-w64 ddk/portcls.h, ddk/punknown.h; the stream resource managers: the Windows 10 WDK's portcls.h). */
static const GUID PcIID_IUnknown = {0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
static const GUID PcIID_IUnknownKernel = {0x00000000, 0x0000, 0x0000, {0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x46}};
static const GUID PcCLSID_PortTopology = {0xb4c90a32, 0x5791, 0x11d0, {0x86, 0xf9, 0x00, 0xa0, 0xc9, 0x11, 0xb5, 0x44}};
static const GUID PcCLSID_PortWaveRT = {0xcc9be57a, 0xeb9e, 0x42b4, {0x94, 0xfc, 0x0c, 0xad, 0x3d, 0xbc, 0xe7, 0xfa}};
static const GUID PcIID_IPortWaveRT = {0x339ff909, 0x68a9, 0x4310, {0xb0, 0x9b, 0x27, 0x4e, 0x96, 0xee, 0x4c, 0xbd}};
static const GUID PcIID_IMiniportTopology = {0xb4c90a31, 0x5791, 0x11d0, {0x86, 0xf9, 0x00, 0xa0, 0xc9, 0x11, 0xb5, 0x44}};
static const GUID PcIID_IMiniportWaveRT = {0x0f9fc4d6, 0x6061, 0x4f3c, {0xb1, 0xfc, 0x07, 0x5e, 0x35, 0xf7, 0x96, 0x0a}};
static const GUID PcIID_IPortEvents = {0xa80f29c4, 0x5498, 0x11d2, {0x95, 0xd9, 0x00, 0xc0, 0x4f, 0xb9, 0x25, 0xd3}};
static const GUID PcIID_IAdapterPowerManagement = {0x793417d0, 0x35fe, 0x11d1, {0xad, 0x08, 0x00, 0xa0, 0xc9, 0x0a, 0xb1, 0xb0}};
static const GUID PcIID_IPortClsStreamResourceManager2 = {0x0d500bae, 0xd565, 0x469d, {0xa0, 0xe2, 0xf2, 0x83, 0x76, 0x0d, 0x71, 0x48}};
static const GUID PcIID_IPortClsVersion = {0x7d89a7bb, 0x869b, 0x4567, {0x8d, 0xbe, 0x1e, 0x16, 0x8c, 0xc8, 0x53, 0xde}};
static const GUID PcKSCATEGORY_AUDIO = {0x6994ad04, 0x93ef, 0x11d0, {0xa3, 0xcc, 0x00, 0xa0, 0xc9, 0x22, 0x31, 0x96}};

static __inline BOOLEAN PcSameGuid(const GUID *a, const GUID *b)
{
    return RtlCompareMemory(a, b, sizeof(GUID)) == sizeof(GUID);
}

typedef struct _PCUNKNOWN PCUNKNOWN, *PPCUNKNOWN;
typedef struct _PCUNKNOWN_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PPCUNKNOWN This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PPCUNKNOWN This);
    ULONG (NTAPI *Release)(PPCUNKNOWN This);
} PCUNKNOWN_VTBL;
struct _PCUNKNOWN { const PCUNKNOWN_VTBL *lpVtbl; };

/* IResourceList (portcls.h). */
typedef struct _PCRESOURCELIST PCRESOURCELIST, *PPCRESOURCELIST;
typedef struct _PCRESOURCELIST_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PPCRESOURCELIST This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PPCRESOURCELIST This);
    ULONG (NTAPI *Release)(PPCRESOURCELIST This);
    ULONG (NTAPI *NumberOfEntries)(PPCRESOURCELIST This);
    ULONG (NTAPI *NumberOfEntriesOfType)(PPCRESOURCELIST This, CM_RESOURCE_TYPE Type);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR (NTAPI *FindTranslatedEntry)(PPCRESOURCELIST This, CM_RESOURCE_TYPE Type, ULONG Index);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR (NTAPI *FindUntranslatedEntry)(PPCRESOURCELIST This, CM_RESOURCE_TYPE Type, ULONG Index);
    NTSTATUS (NTAPI *AddEntry)(PPCRESOURCELIST This, PCM_PARTIAL_RESOURCE_DESCRIPTOR Translated, PCM_PARTIAL_RESOURCE_DESCRIPTOR Untranslated);
    NTSTATUS (NTAPI *AddEntryFromParent)(PPCRESOURCELIST This, PPCRESOURCELIST Parent, CM_RESOURCE_TYPE Type, ULONG Index);
    PCM_RESOURCE_LIST (NTAPI *TranslatedList)(PPCRESOURCELIST This);
    PCM_RESOURCE_LIST (NTAPI *UntranslatedList)(PPCRESOURCELIST This);
} PCRESOURCELIST_VTBL;
struct _PCRESOURCELIST { const PCRESOURCELIST_VTBL *lpVtbl; };

/* IPort, the base of IPortTopology and IPortWaveRT (which add nothing). */
typedef struct _PCPORT PCPORT, *PPCPORT;
typedef struct _PCPORT_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PPCPORT This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PPCPORT This);
    ULONG (NTAPI *Release)(PPCPORT This);
    NTSTATUS (NTAPI *Init)(PPCPORT This, PDEVICE_OBJECT DeviceObject, PIRP Irp, PPCUNKNOWN UnknownMiniport, PPCUNKNOWN UnknownAdapter, PPCRESOURCELIST ResourceList);
    NTSTATUS (NTAPI *GetDeviceProperty)(PPCPORT This, DEVICE_REGISTRY_PROPERTY Property, ULONG Length, PVOID Buffer, PULONG ResultLength);
    NTSTATUS (NTAPI *NewRegistryKey)(PPCPORT This, PVOID *Out, PPCUNKNOWN Outer, ULONG Type, ACCESS_MASK Access, POBJECT_ATTRIBUTES Attributes, ULONG Options, PULONG Disposition);
} PCPORT_VTBL;
struct _PCPORT { const PCPORT_VTBL *lpVtbl; };

/* IPortEvents. */
typedef struct _PCPORTEVENTS PCPORTEVENTS, *PPCPORTEVENTS;
typedef struct _PCPORTEVENTS_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PPCPORTEVENTS This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PPCPORTEVENTS This);
    ULONG (NTAPI *Release)(PPCPORTEVENTS This);
    VOID (NTAPI *AddEventToEventList)(PPCPORTEVENTS This, PVOID EventEntry);
    VOID (NTAPI *GenerateEventList)(PPCPORTEVENTS This, const GUID *Set, ULONG EventId, BOOLEAN PinEvent, ULONG PinId, BOOLEAN NodeEvent, ULONG NodeId);
} PCPORTEVENTS_VTBL;
struct _PCPORTEVENTS { const PCPORTEVENTS_VTBL *lpVtbl; };

/* IPortClsVersion: GetVersion returns a PORTCLS_VERSION value (kVersionWin98 = 0 ... kVersionWinServer2003_UAAQFE = 13 in mingw-w64's header). */
typedef struct _PCVERSION PCVERSION, *PPCVERSION;
typedef struct _PCVERSION_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PPCVERSION This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PPCVERSION This);
    ULONG (NTAPI *Release)(PPCVERSION This);
    ULONG (NTAPI *GetVersion)(PPCVERSION This);
} PCVERSION_VTBL;
struct _PCVERSION { const PCVERSION_VTBL *lpVtbl; };
#define kVersionWinXP 8

/* IRegistryKey (mingw-w64 ddk/portcls.h order) and the RegistryKeyType values. */
enum { GeneralRegistryKey, DeviceRegistryKey, DriverRegistryKey, HwProfileRegistryKey, DeviceInterfaceRegistryKey };
typedef struct _PCREGKEY PCREGKEY, *PPCREGKEY;
typedef struct _PCREGKEY_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PPCREGKEY This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PPCREGKEY This);
    ULONG (NTAPI *Release)(PPCREGKEY This);
    NTSTATUS (NTAPI *QueryKey)(PPCREGKEY This, KEY_INFORMATION_CLASS Class, PVOID Info, ULONG Length, PULONG ResultLength);
    NTSTATUS (NTAPI *EnumerateKey)(PPCREGKEY This, ULONG Index, KEY_INFORMATION_CLASS Class, PVOID Info, ULONG Length, PULONG ResultLength);
    NTSTATUS (NTAPI *QueryValueKey)(PPCREGKEY This, PUNICODE_STRING Name, KEY_VALUE_INFORMATION_CLASS Class, PVOID Info, ULONG Length, PULONG ResultLength);
    NTSTATUS (NTAPI *EnumerateValueKey)(PPCREGKEY This, ULONG Index, KEY_VALUE_INFORMATION_CLASS Class, PVOID Info, ULONG Length, PULONG ResultLength);
    NTSTATUS (NTAPI *SetValueKey)(PPCREGKEY This, PUNICODE_STRING Name, ULONG Type, PVOID Data, ULONG DataSize);
    NTSTATUS (NTAPI *QueryRegistryValues)(PPCREGKEY This, PRTL_QUERY_REGISTRY_TABLE Table, PVOID Context);
    NTSTATUS (NTAPI *NewSubKey)(PPCREGKEY This, PPCREGKEY *Out, PPCUNKNOWN Outer, ACCESS_MASK Access, PUNICODE_STRING Name, ULONG Options, PULONG Disposition);
    NTSTATUS (NTAPI *DeleteKey)(PPCREGKEY This);
} PCREGKEY_VTBL;
struct _PCREGKEY { const PCREGKEY_VTBL *lpVtbl; };

/* IServiceGroup (derives from IServiceSink: RequestService first), IIDs of mingw-w64's ddk/portcls.h. */
static const GUID PcIID_IServiceSink = {0x22c6ac64, 0x851b, 0x11d0, {0x9a, 0x7f, 0x00, 0xaa, 0x00, 0x38, 0xac, 0xfe}};
typedef struct _PCSERVICEGROUP PCSERVICEGROUP, *PPCSERVICEGROUP;
typedef struct _PCSERVICEGROUP_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PPCSERVICEGROUP This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PPCSERVICEGROUP This);
    ULONG (NTAPI *Release)(PPCSERVICEGROUP This);
    VOID (NTAPI *RequestService)(PPCSERVICEGROUP This);
    NTSTATUS (NTAPI *AddMember)(PPCSERVICEGROUP This, PPCUNKNOWN Sink);
    VOID (NTAPI *RemoveMember)(PPCSERVICEGROUP This, PPCUNKNOWN Sink);
    VOID (NTAPI *SupportDelayedService)(PPCSERVICEGROUP This);
    VOID (NTAPI *RequestDelayedService)(PPCSERVICEGROUP This, ULONGLONG Delay);
    VOID (NTAPI *CancelDelayedService)(PPCSERVICEGROUP This);
} PCSERVICEGROUP_VTBL;
struct _PCSERVICEGROUP { const PCSERVICEGROUP_VTBL *lpVtbl; };
PPCUNKNOWN NewServiceSink(void);
extern LONG SinkServiced;

/* PCSTREAMRESOURCE_DESCRIPTOR, PcStreamResourceType (Learn). */
typedef enum { ePcStreamResourceInterrupt, ePcStreamResourceThread, ePcStreamResourceSet } PcStreamResourceType;
typedef struct _PCSTREAMRESOURCE_DESCRIPTOR {
    ULONG Size;
    ULONG Flags;
    PDEVICE_OBJECT Pdo;
    PcStreamResourceType Type;
    union {
        struct { ULONG Version; PVOID Generic; } Interrupt;
        PETHREAD Thread;
        PVOID ResourceSet;
    } Resource;
} PCSTREAMRESOURCE_DESCRIPTOR, *PPCSTREAMRESOURCE_DESCRIPTOR;
typedef PVOID PCSTREAMRESOURCE;

/* IPortClsStreamResourceManager2 (inherits IPortClsStreamResourceManager's two methods). */
typedef struct _PCRESMGR2 PCRESMGR2, *PPCRESMGR2;
typedef struct _PCRESMGR2_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PPCRESMGR2 This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PPCRESMGR2 This);
    ULONG (NTAPI *Release)(PPCRESMGR2 This);
    NTSTATUS (NTAPI *AddStreamResource)(PPCRESMGR2 This, PVOID ResourceSet, PPCSTREAMRESOURCE_DESCRIPTOR Descriptor, PCSTREAMRESOURCE *Handle);
    NTSTATUS (NTAPI *RemoveStreamResource)(PPCRESMGR2 This, PCSTREAMRESOURCE Handle);
    NTSTATUS (NTAPI *AddStreamResource2)(PPCRESMGR2 This, PDEVICE_OBJECT Pdo, PVOID ResourceSet, PPCSTREAMRESOURCE_DESCRIPTOR Descriptor, PCSTREAMRESOURCE *Handle);
} PCRESMGR2_VTBL;
struct _PCRESMGR2 { const PCRESMGR2_VTBL *lpVtbl; };

/* The driver's own objects (miniports.c): a miniport and the adapter common object (IAdapterPowerManagement). */
typedef struct _PCFILTER_DESCRIPTOR_MIN { ULONG Version; PVOID AutomationTable; ULONG PinSize; ULONG PinCount; PVOID Pins; ULONG NodeSize; ULONG NodeCount; PVOID Nodes; ULONG ConnectionCount; PVOID Connections; ULONG CategoryCount; const GUID *Categories; } PCFILTER_DESCRIPTOR_MIN;

PPCUNKNOWN NewTopologyMiniport(void);
PPCUNKNOWN NewWaveMiniport(void);
PPCUNKNOWN NewAdapterCommon(void);
/* What the miniports saw in Init (checked by the adapter's StartDevice). */
extern LONG MiniportInits, MiniportsFreed, AdapterFreed, PortEventsSeen;

/* portcls.sys (Learn; library Portcls.lib). */
__declspec(dllimport) NTSTATUS NTAPI PcInitializeAdapterDriver(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPathName, PDRIVER_ADD_DEVICE AddDevice);
__declspec(dllimport) NTSTATUS NTAPI PcAddAdapterDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject, PVOID StartDevice, ULONG MaxObjects, ULONG DeviceExtensionSize);
__declspec(dllimport) NTSTATUS NTAPI PcDispatchIrp(PDEVICE_OBJECT DeviceObject, PIRP Irp);
__declspec(dllimport) NTSTATUS NTAPI PcForwardIrpSynchronous(PDEVICE_OBJECT DeviceObject, PIRP Irp);
__declspec(dllimport) NTSTATUS NTAPI PcGetDeviceProperty(PVOID DeviceObject, DEVICE_REGISTRY_PROPERTY DeviceProperty, ULONG BufferLength, PVOID PropertyBuffer, PULONG ResultLength);
__declspec(dllimport) NTSTATUS NTAPI PcGetPhysicalDeviceObject(PDEVICE_OBJECT DeviceObject, PDEVICE_OBJECT *PhysicalDeviceObject);
__declspec(dllimport) NTSTATUS NTAPI PcNewRegistryKey(PPCREGKEY *Out, PPCUNKNOWN Outer, ULONG RegistryKeyType, ACCESS_MASK DesiredAccess, PVOID DeviceObject, PVOID SubDevice, POBJECT_ATTRIBUTES ObjectAttributes, ULONG CreateOptions, PULONG Disposition);
__declspec(dllimport) NTSTATUS NTAPI PcNewServiceGroup(PPCSERVICEGROUP *Out, PPCUNKNOWN Outer);
__declspec(dllimport) NTSTATUS NTAPI PcNewPort(PPCPORT *OutPort, const GUID *ClassId);
__declspec(dllimport) NTSTATUS NTAPI PcNewResourceList(PPCRESOURCELIST *Out, PPCUNKNOWN Outer, POOL_TYPE PoolType, PCM_RESOURCE_LIST Translated, PCM_RESOURCE_LIST Untranslated);
__declspec(dllimport) NTSTATUS NTAPI PcNewResourceSublist(PPCRESOURCELIST *Out, PPCUNKNOWN Outer, POOL_TYPE PoolType, PPCRESOURCELIST Parent, ULONG MaximumEntries);
__declspec(dllimport) NTSTATUS NTAPI PcRegisterSubdevice(PDEVICE_OBJECT DeviceObject, PWSTR Name, PPCUNKNOWN Unknown);
__declspec(dllimport) NTSTATUS NTAPI PcRegisterPhysicalConnection(PDEVICE_OBJECT DeviceObject, PPCUNKNOWN FromUnknown, ULONG FromPin, PPCUNKNOWN ToUnknown, ULONG ToPin);
__declspec(dllimport) NTSTATUS NTAPI PcRegisterAdapterPowerManagement(PPCUNKNOWN Unknown, PDEVICE_OBJECT DeviceObject);
__declspec(dllimport) NTSTATUS NTAPI PcUnregisterAdapterPowerManagement(PDEVICE_OBJECT DeviceObject);
__declspec(dllimport) NTSTATUS NTAPI PcAddStreamResource(PDEVICE_OBJECT PhysicalDeviceObject, PVOID ResourceSet, PPCSTREAMRESOURCE_DESCRIPTOR Descriptor, PCSTREAMRESOURCE *Handle);
__declspec(dllimport) NTSTATUS NTAPI PcRemoveStreamResource(PCSTREAMRESOURCE Handle);

#define CHECK(c) do { Checks++; if (!(c)) { DbgPrint("FAIL %s (line %d)\n", #c, __LINE__); Failures++; } } while (0)
extern ULONG Failures, Checks;
