/*
 * kmdfpnp.h - more of the KMDF 1.33 interface for kmdll's examples, on top of kmdfmin.h: what a PnP
 * function driver reports about its device (wdfdevice.h: WDF_DEVICE_PNP_CAPABILITIES,
 * WDF_DEVICE_POWER_CAPABILITIES, WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS, static stop/remove, power
 * pageability), its Parameters key (wdfdriver.h) and remote I/O targets (wdfiotarget.h). Names and
 * layouts are facts of microsoft/Windows-Driver-Frameworks src/publicinc/wdf/kmdf/1.33; the table
 * indices come from its wdffuncenum.h (and match src/emu/wdf/funcenum.ts).
 */
#ifndef KMDFPNP_H
#define KMDFPNP_H
#include "kmdfmin.h"

enum {
    /* wdffuncenum.h */
    WdfRequestSetCompletionRoutineTableIndex = 260,
    WdfIoTargetFormatRequestForIoctlTableIndex = 187,
    WdfRequestGetCompletionParamsTableIndex = 261,
    WdfDeviceQueryPropertyTableIndex = 81,
    WdfDeviceAllocAndQueryPropertyTableIndex = 82,
    WdfFdoInitQueryPropertyTableIndex = 126,
    WdfFdoInitAllocAndQueryPropertyTableIndex = 127,
    WdfDeviceAssignS0IdleSettingsTableIndex = 46,
    WdfDeviceInitSetPowerPolicyOwnershipTableIndex = 57,
    WdfDeviceInitSetPowerNotPageableTableIndex = 63,
    WdfDeviceInitSetPowerPageableTableIndex = 64,
    WdfDeviceInitSetPowerInrushTableIndex = 65,
    WdfDeviceSetStaticStopRemoveTableIndex = 76,
    WdfDeviceSetPnpCapabilitiesTableIndex = 83,
    WdfDeviceSetPowerCapabilitiesTableIndex = 84,
    WdfDriverOpenParametersRegistryKeyTableIndex = 119,
    WdfFdoInitWdmGetPhysicalDeviceTableIndex = 124,
    WdfIoTargetCreateTableIndex = 167,
    WdfIoTargetSendReadSynchronouslyTableIndex = 182,
    WdfIoTargetSendWriteSynchronouslyTableIndex = 184,
    WdfIoQueueGetStateTableIndex = 153,
    WdfDeviceInitSetRequestAttributesTableIndex = 72,
    WdfRequestForwardToIoQueueTableIndex = 281,
    WdfIoQueueStartTableIndex = 154,
    WdfIoQueueStopTableIndex = 155,
    WdfIoQueueStopSynchronouslyTableIndex = 156,
    WdfIoQueueRetrieveNextRequestTableIndex = 158,
    WdfRegistryQueryStringTableIndex = 239,
    WdfStringCreateTableIndex = 308,
    WdfStringGetUnicodeStringTableIndex = 309,
    WdfRequestCreateTableIndex = 247,
    WdfFdoAddStaticChildTableIndex = 133,
    WdfPdoInitAllocateTableIndex = 210,
    WdfPdoInitAssignDeviceIDTableIndex = 212,
    WdfPdoInitAssignInstanceIDTableIndex = 213,
    WdfPdoInitAddHardwareIDTableIndex = 214,
    WdfPdoInitAddCompatibleIDTableIndex = 215,
    WdfPdoInitAssignRawDeviceTableIndex = 218,
    WdfPdoGetParentTableIndex = 221,
    WdfDeviceGetDeviceStateTableIndex = 28,
    WdfDeviceSetDeviceStateTableIndex = 29,
    WdfDeviceStopIdleActualTableIndex = 438,
    WdfDeviceResumeIdleActualTableIndex = 439,
    WdfRegistryOpenKeyTableIndex = 229,
    WdfRegistryQueryValueTableIndex = 235,
    WdfDeviceAddQueryInterfaceTableIndex = 228,
    WdfIoTargetOpenTableIndex = 168,
    WdfIoTargetCloseTableIndex = 170,
    WdfIoTargetSendIoctlSynchronouslyTableIndex = 186,
    WdfRequestReuseTableIndex = 249,
    WdfChildListGetDeviceTableIndex = 1,
    WdfChildListBeginScanTableIndex = 4,
    WdfChildListEndScanTableIndex = 5,
    WdfChildListAddOrUpdateChildDescriptionAsPresentTableIndex = 9,
    WdfChildListUpdateChildDescriptionAsMissingTableIndex = 10,
    WdfChildListUpdateAllChildDescriptionsAsPresentTableIndex = 11,
    WdfFdoInitSetDefaultChildListConfigTableIndex = 130,
    WdfFdoGetDefaultChildListTableIndex = 132,
    WdfDeviceGetAlignmentRequirementTableIndex = 52,
    WdfDeviceSetAlignmentRequirementTableIndex = 53,
    WdfDeviceInitSetPowerPolicyEventCallbacksTableIndex = 56,
    WdfRegistryAssignULongTableIndex = 246,
    WdfRegistryAssignValueTableIndex = 241,
    WdfRegistryQueryMultiStringTableIndex = 237,
    WdfDeviceSetSpecialFileSupportTableIndex = 49,
    WdfDeviceSetBusInformationForChildrenTableIndex = 85,
    WdfRegistryQueryUnicodeStringTableIndex = 238,
    WdfIoTargetFormatRequestForReadTableIndex = 183,
    WdfIoTargetFormatRequestForWriteTableIndex = 185,
};

typedef struct _WDF_DEVICE_PNP_CAPABILITIES {
    ULONG Size;
    WDF_TRI_STATE LockSupported, EjectSupported, Removable, DockDevice, UniqueID, SilentInstall, SurpriseRemovalOK, HardwareDisabled, NoDisplayInUI;
    ULONG Address;
    ULONG UINumber;
} WDF_DEVICE_PNP_CAPABILITIES, *PWDF_DEVICE_PNP_CAPABILITIES;

/* WDF_DEVICE_PNP_CAPABILITIES_INIT: every capability WdfUseDefault, Address / UINumber -1. */
FORCEINLINE VOID WDF_DEVICE_PNP_CAPABILITIES_INIT(PWDF_DEVICE_PNP_CAPABILITIES c)
{
    RtlZeroMemory(c, sizeof(*c));
    c->Size = sizeof(*c);
    c->LockSupported = c->EjectSupported = c->Removable = c->DockDevice = c->UniqueID = c->SilentInstall = c->SurpriseRemovalOK = c->HardwareDisabled = c->NoDisplayInUI = WdfUseDefault;
    c->Address = (ULONG)-1;
    c->UINumber = (ULONG)-1;
}

typedef struct _WDF_DEVICE_POWER_CAPABILITIES {
    ULONG Size;
    WDF_TRI_STATE DeviceD1, DeviceD2, WakeFromD0, WakeFromD1, WakeFromD2, WakeFromD3;
    DEVICE_POWER_STATE DeviceState[PowerSystemMaximum];
    DEVICE_POWER_STATE DeviceWake;
    SYSTEM_POWER_STATE SystemWake;
    ULONG D1Latency, D2Latency, D3Latency;
    DEVICE_POWER_STATE IdealDxStateForSx;
} WDF_DEVICE_POWER_CAPABILITIES, *PWDF_DEVICE_POWER_CAPABILITIES;

/* WDF_DEVICE_POWER_CAPABILITIES_INIT: WdfUseDefault, PowerDeviceMaximum / PowerSystemMaximum, latencies -1. */
FORCEINLINE VOID WDF_DEVICE_POWER_CAPABILITIES_INIT(PWDF_DEVICE_POWER_CAPABILITIES c)
{
    ULONG i;
    RtlZeroMemory(c, sizeof(*c));
    c->Size = sizeof(*c);
    c->DeviceD1 = c->DeviceD2 = c->WakeFromD0 = c->WakeFromD1 = c->WakeFromD2 = c->WakeFromD3 = WdfUseDefault;
    for (i = 0; i < sizeof(c->DeviceState) / sizeof(c->DeviceState[0]); i++) c->DeviceState[i] = PowerDeviceMaximum;
    c->DeviceWake = PowerDeviceMaximum;
    c->SystemWake = PowerSystemMaximum;
    c->D1Latency = c->D2Latency = c->D3Latency = (ULONG)-1;
    c->IdealDxStateForSx = PowerDeviceMaximum;
}

typedef enum { IdleCapsInvalid = 0, IdleCannotWakeFromS0, IdleCanWakeFromS0, IdleUsbSelectiveSuspend } WDF_POWER_POLICY_S0_IDLE_CAPABILITIES;
typedef enum { IdleUserControlInvalid = 0, IdleDoNotAllowUserControl, IdleAllowUserControl } WDF_POWER_POLICY_S0_IDLE_USER_CONTROL;
typedef enum { DriverManagedIdleTimeout = 0, SystemManagedIdleTimeout, SystemManagedIdleTimeoutWithHint } WDF_POWER_POLICY_IDLE_TIMEOUT_TYPE;
typedef struct _WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS {
    ULONG Size;
    WDF_POWER_POLICY_S0_IDLE_CAPABILITIES IdleCaps;
    DEVICE_POWER_STATE DxState;
    ULONG IdleTimeout;
    WDF_POWER_POLICY_S0_IDLE_USER_CONTROL UserControlOfIdleSettings;
    WDF_TRI_STATE Enabled;
    WDF_TRI_STATE PowerUpIdleDeviceOnSystemWake;
    WDF_POWER_POLICY_IDLE_TIMEOUT_TYPE IdleTimeoutType;
    WDF_TRI_STATE ExcludeD3Cold;
} WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS, *PWDF_DEVICE_POWER_POLICY_IDLE_SETTINGS;

/* WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT (DxState PowerDeviceMaximum, the user may control idling). */
FORCEINLINE VOID WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT(PWDF_DEVICE_POWER_POLICY_IDLE_SETTINGS s, WDF_POWER_POLICY_S0_IDLE_CAPABILITIES caps)
{
    RtlZeroMemory(s, sizeof(*s));
    s->Size = sizeof(*s);
    s->IdleCaps = caps;
    s->DxState = PowerDeviceMaximum;
    s->UserControlOfIdleSettings = IdleAllowUserControl;
    s->Enabled = WdfUseDefault;
    s->PowerUpIdleDeviceOnSystemWake = WdfUseDefault;
    s->IdleTimeoutType = DriverManagedIdleTimeout;
    s->ExcludeD3Cold = WdfUseDefault;
}

/* wdfrequest.h: completion of a request sent asynchronously (WDF_REQUEST_TYPE values are IRP_MJ_ codes). */
#define WdfRequestTypeDeviceControl IRP_MJ_DEVICE_CONTROL
#define WdfRequestTypeRead IRP_MJ_READ
#define WdfRequestTypeWrite IRP_MJ_WRITE
typedef struct _WDF_REQUEST_COMPLETION_PARAMS {
    ULONG Size;
    ULONG Type;
    IO_STATUS_BLOCK IoStatus;
    union {
        struct { WDFMEMORY Buffer; size_t Length; size_t Offset; } Write;
        struct { WDFMEMORY Buffer; size_t Length; size_t Offset; } Read;
        struct {
            ULONG IoControlCode;
            struct { WDFMEMORY Buffer; size_t Offset; } Input;
            struct { WDFMEMORY Buffer; size_t Offset; size_t Length; } Output;
        } Ioctl;
        struct { PVOID Argument1, Argument2, Argument3, Argument4; } Others;
        PVOID Usb;
    } Parameters;
} WDF_REQUEST_COMPLETION_PARAMS, *PWDF_REQUEST_COMPLETION_PARAMS;
typedef VOID NTAPI EVT_WDF_REQUEST_COMPLETION_ROUTINE(WDFREQUEST, WDFIOTARGET, PWDF_REQUEST_COMPLETION_PARAMS, PVOID);
#define WdfRequestSetCompletionRoutine(r, c, x) WDFCALL(WdfRequestSetCompletionRoutine, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, EVT_WDF_REQUEST_COMPLETION_ROUTINE *, PVOID))(WdfDriverGlobals, r, c, x)
#define WdfRequestGetCompletionParams(r, p) WDFCALL(WdfRequestGetCompletionParams, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PWDF_REQUEST_COMPLETION_PARAMS))(WdfDriverGlobals, r, p)
#define WdfIoTargetFormatRequestForIoctl(t, r, c, i, io, o, oo) WDFCALL(WdfIoTargetFormatRequestForIoctl, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFIOTARGET, WDFREQUEST, ULONG, WDFMEMORY, PWDFMEMORY_OFFSET, WDFMEMORY, PWDFMEMORY_OFFSET))(WdfDriverGlobals, t, r, c, i, io, o, oo)
#define WDF_REQUEST_SEND_OPTION_SYNCHRONOUS 0x2
#define WdfIoTargetFormatRequestForRead(t, r, b, bo, d) WDFCALL(WdfIoTargetFormatRequestForRead, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFIOTARGET, WDFREQUEST, WDFMEMORY, PWDFMEMORY_OFFSET, PLONGLONG))(WdfDriverGlobals, t, r, b, bo, d)
#define WdfIoTargetFormatRequestForWrite(t, r, b, bo, d) WDFCALL(WdfIoTargetFormatRequestForWrite, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFIOTARGET, WDFREQUEST, WDFMEMORY, PWDFMEMORY_OFFSET, PLONGLONG))(WdfDriverGlobals, t, r, b, bo, d)
/* wdfrequest.h: reusing a request (WDF_REQUEST_REUSE_FLAGS: NO_FLAGS 0, SET_NEW_IRP 1). */
#define WDF_REQUEST_REUSE_NO_FLAGS 0x0
#define WDF_REQUEST_REUSE_SET_NEW_IRP 0x1
typedef struct _WDF_REQUEST_REUSE_PARAMS {
    ULONG Size;
    ULONG Flags;
    NTSTATUS Status;
    PIRP NewIrp;
} WDF_REQUEST_REUSE_PARAMS, *PWDF_REQUEST_REUSE_PARAMS;
FORCEINLINE VOID WDF_REQUEST_REUSE_PARAMS_INIT(PWDF_REQUEST_REUSE_PARAMS p, ULONG Flags, NTSTATUS Status)
{
    RtlZeroMemory(p, sizeof(*p));
    p->Size = sizeof(*p);
    p->Flags = Flags;
    p->Status = Status;
}
FORCEINLINE VOID WDF_REQUEST_REUSE_PARAMS_SET_NEW_IRP(PWDF_REQUEST_REUSE_PARAMS p, PIRP NewIrp)
{
    p->Flags |= WDF_REQUEST_REUSE_SET_NEW_IRP;
    p->NewIrp = NewIrp;
}
#define WdfRequestReuse(r, p) WDFCALL(WdfRequestReuse, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PWDF_REQUEST_REUSE_PARAMS))(WdfDriverGlobals, r, p)
/* wdfdevice.h: device properties (IoGetDeviceProperty through the framework). */
#define WdfFdoInitQueryProperty(i, p, n, b, r) WDFCALL(WdfFdoInitQueryProperty, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, DEVICE_REGISTRY_PROPERTY, ULONG, PVOID, PULONG))(WdfDriverGlobals, i, p, n, b, r)
#define WdfFdoInitAllocAndQueryProperty(i, p, t, a, m) WDFCALL(WdfFdoInitAllocAndQueryProperty, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, DEVICE_REGISTRY_PROPERTY, POOL_TYPE, PWDF_OBJECT_ATTRIBUTES, WDFMEMORY *))(WdfDriverGlobals, i, p, t, a, m)
#define WdfDeviceQueryProperty(d, p, n, b, r) WDFCALL(WdfDeviceQueryProperty, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, DEVICE_REGISTRY_PROPERTY, ULONG, PVOID, PULONG))(WdfDriverGlobals, d, p, n, b, r)
#define WdfDeviceAllocAndQueryProperty(d, p, t, a, m) WDFCALL(WdfDeviceAllocAndQueryProperty, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, DEVICE_REGISTRY_PROPERTY, POOL_TYPE, PWDF_OBJECT_ATTRIBUTES, WDFMEMORY *))(WdfDriverGlobals, d, p, t, a, m)
#define WdfDeviceSetPnpCapabilities(d, c) WDFCALL(WdfDeviceSetPnpCapabilities, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_DEVICE_PNP_CAPABILITIES))(WdfDriverGlobals, d, c)
#define WdfDeviceSetPowerCapabilities(d, c) WDFCALL(WdfDeviceSetPowerCapabilities, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_DEVICE_POWER_CAPABILITIES))(WdfDriverGlobals, d, c)
#define WdfDeviceAssignS0IdleSettings(d, s) WDFCALL(WdfDeviceAssignS0IdleSettings, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_DEVICE_POWER_POLICY_IDLE_SETTINGS))(WdfDriverGlobals, d, s)
#define WdfDeviceSetStaticStopRemove(d, s) WDFCALL(WdfDeviceSetStaticStopRemove, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, BOOLEAN))(WdfDriverGlobals, d, s)
#define WdfDeviceInitSetPowerNotPageable(i) WDFCALL(WdfDeviceInitSetPowerNotPageable, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT))(WdfDriverGlobals, i)
#define WdfDeviceInitSetPowerPageable(i) WDFCALL(WdfDeviceInitSetPowerPageable, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT))(WdfDriverGlobals, i)
#define WdfDeviceInitSetPowerInrush(i) WDFCALL(WdfDeviceInitSetPowerInrush, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT))(WdfDriverGlobals, i)
#define WdfDeviceInitSetPowerPolicyOwnership(i, o) WDFCALL(WdfDeviceInitSetPowerPolicyOwnership, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, BOOLEAN))(WdfDriverGlobals, i, o)
#define WdfDriverOpenParametersRegistryKey(d, a, at, k) WDFCALL(WdfDriverOpenParametersRegistryKey, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDRIVER, ACCESS_MASK, PWDF_OBJECT_ATTRIBUTES, WDFKEY *))(WdfDriverGlobals, d, a, at, k)
#define WdfFdoInitWdmGetPhysicalDevice(i) WDFCALL(WdfFdoInitWdmGetPhysicalDevice, PDEVICE_OBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT))(WdfDriverGlobals, i)
typedef enum { WdfIoTargetOpenUndefined = 0, WdfIoTargetOpenUseExistingDevice, WdfIoTargetOpenByName, WdfIoTargetOpenReopen, WdfIoTargetOpenLocalTargetByFile } WDF_IO_TARGET_OPEN_TYPE;
typedef struct _WDF_IO_TARGET_OPEN_PARAMS {
    ULONG Size;
    WDF_IO_TARGET_OPEN_TYPE Type;
    PVOID EvtIoTargetQueryRemove, EvtIoTargetRemoveCanceled, EvtIoTargetRemoveComplete;
    PDEVICE_OBJECT TargetDeviceObject;
    PFILE_OBJECT TargetFileObject;
    UNICODE_STRING TargetDeviceName;
    ACCESS_MASK DesiredAccess;
    ULONG ShareAccess, FileAttributes, CreateDisposition, CreateOptions;
    PVOID EaBuffer;
    ULONG EaBufferLength;
    PLONGLONG AllocationSize;
    ULONG FileInformation;
    UNICODE_STRING FileName;
} WDF_IO_TARGET_OPEN_PARAMS, *PWDF_IO_TARGET_OPEN_PARAMS;
/* WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME. */
FORCEINLINE VOID WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(PWDF_IO_TARGET_OPEN_PARAMS p, PCUNICODE_STRING name, ACCESS_MASK access)
{
    RtlZeroMemory(p, sizeof(*p));
    p->Size = sizeof(*p);
    p->Type = WdfIoTargetOpenByName;
    p->TargetDeviceName = *name;
    p->DesiredAccess = access;
    p->CreateOptions = FILE_NON_DIRECTORY_FILE;
}
typedef enum { WdfMemoryDescriptorTypeInvalid = 0, WdfMemoryDescriptorTypeBuffer, WdfMemoryDescriptorTypeMdl, WdfMemoryDescriptorTypeHandle } WDF_MEMORY_DESCRIPTOR_TYPE;
typedef struct _WDFMEMORY_OFFSET { size_t BufferOffset; size_t BufferLength; } WDFMEMORY_OFFSET, *PWDFMEMORY_OFFSET;
typedef struct _WDF_MEMORY_DESCRIPTOR {
    WDF_MEMORY_DESCRIPTOR_TYPE Type;
    union {
        struct { PVOID Buffer; ULONG Length; } BufferType;
        struct { PMDL Mdl; ULONG BufferLength; } MdlType;
        struct { WDFMEMORY Memory; PWDFMEMORY_OFFSET Offsets; } HandleType;
    } u;
} WDF_MEMORY_DESCRIPTOR, *PWDF_MEMORY_DESCRIPTOR;
FORCEINLINE VOID WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(PWDF_MEMORY_DESCRIPTOR d, PVOID buffer, ULONG length)
{
    RtlZeroMemory(d, sizeof(*d));
    d->Type = WdfMemoryDescriptorTypeBuffer;
    d->u.BufferType.Buffer = buffer;
    d->u.BufferType.Length = length;
}
#define WdfIoTargetCreate(d, a, t) WDFCALL(WdfIoTargetCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_OBJECT_ATTRIBUTES, WDFIOTARGET *))(WdfDriverGlobals, d, a, t)
#define WdfIoTargetOpen(t, p) WDFCALL(WdfIoTargetOpen, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFIOTARGET, PWDF_IO_TARGET_OPEN_PARAMS))(WdfDriverGlobals, t, p)
#define WdfIoTargetClose(t) WDFCALL(WdfIoTargetClose, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFIOTARGET))(WdfDriverGlobals, t)
#define WdfIoTargetSendIoctlSynchronously(t, r, c, i, o, s, b) WDFCALL(WdfIoTargetSendIoctlSynchronously, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFIOTARGET, WDFREQUEST, ULONG, PWDF_MEMORY_DESCRIPTOR, PWDF_MEMORY_DESCRIPTOR, PWDF_REQUEST_SEND_OPTIONS, PULONG_PTR))(WdfDriverGlobals, t, r, c, i, o, s, b)
typedef NTSTATUS NTAPI EVT_WDF_DEVICE_PROCESS_QUERY_INTERFACE_REQUEST(WDFDEVICE Device, LPGUID InterfaceType, PINTERFACE ExposedInterface, PVOID ExposedInterfaceSpecificData);
typedef struct _WDF_QUERY_INTERFACE_CONFIG {
    ULONG Size;
    PINTERFACE Interface;
    CONST GUID *InterfaceType;
    BOOLEAN SendQueryToParentStack;
    EVT_WDF_DEVICE_PROCESS_QUERY_INTERFACE_REQUEST *EvtDeviceProcessQueryInterfaceRequest;
    BOOLEAN ImportInterface;
} WDF_QUERY_INTERFACE_CONFIG, *PWDF_QUERY_INTERFACE_CONFIG;
FORCEINLINE VOID WDF_QUERY_INTERFACE_CONFIG_INIT(PWDF_QUERY_INTERFACE_CONFIG c, PINTERFACE i, CONST GUID *type, EVT_WDF_DEVICE_PROCESS_QUERY_INTERFACE_REQUEST *evt)
{
    RtlZeroMemory(c, sizeof(*c));
    c->Size = sizeof(*c);
    c->Interface = i;
    c->InterfaceType = type;
    c->EvtDeviceProcessQueryInterfaceRequest = evt;
}
#define WdfDeviceAddQueryInterface(d, c) WDFCALL(WdfDeviceAddQueryInterface, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_QUERY_INTERFACE_CONFIG))(WdfDriverGlobals, d, c)
#define WdfRegistryOpenKey(p, n, a, at, k) WDFCALL(WdfRegistryOpenKey, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, ACCESS_MASK, PWDF_OBJECT_ATTRIBUTES, WDFKEY *))(WdfDriverGlobals, p, n, a, at, k)
#define WdfRegistryQueryValue(k, n, l, v, q, t) WDFCALL(WdfRegistryQueryValue, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, ULONG, PVOID, PULONG, PULONG))(WdfDriverGlobals, k, n, l, v, q, t)
typedef struct _WDF_DEVICE_STATE {
    ULONG Size;
    WDF_TRI_STATE Disabled, DontDisplayInUI, Failed, NotDisableable, Removed, ResourcesChanged, AssignedToGuest;
} WDF_DEVICE_STATE, *PWDF_DEVICE_STATE;
FORCEINLINE VOID WDF_DEVICE_STATE_INIT(PWDF_DEVICE_STATE s)
{
    RtlZeroMemory(s, sizeof(*s));
    s->Size = sizeof(*s);
    s->Disabled = s->DontDisplayInUI = s->Failed = s->NotDisableable = s->Removed = s->ResourcesChanged = s->AssignedToGuest = WdfUseDefault;
}
#define WdfDeviceSetDeviceState(d, s) WDFCALL(WdfDeviceSetDeviceState, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_DEVICE_STATE))(WdfDriverGlobals, d, s)
#define WdfDeviceGetDeviceState(d, s) WDFCALL(WdfDeviceGetDeviceState, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_DEVICE_STATE))(WdfDriverGlobals, d, s)
/* KMDF 1.15+: the tracking forms (wdfdevice.h's WdfDeviceStopIdle / WdfDeviceResumeIdle macros). */
#define WdfDeviceStopIdle(d, w) WDFCALL(WdfDeviceStopIdleActual, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, BOOLEAN, PVOID, LONG, PCHAR))(WdfDriverGlobals, d, w, NULL, __LINE__, __FILE__)
#define WdfDeviceResumeIdle(d) WDFCALL(WdfDeviceResumeIdleActual, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PVOID, LONG, PCHAR))(WdfDriverGlobals, d, NULL, __LINE__, __FILE__)
#define WdfPdoInitAllocate(p) WDFCALL(WdfPdoInitAllocate, PWDFDEVICE_INIT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, p)
#define WdfPdoInitAssignDeviceID(i, s) WDFCALL(WdfPdoInitAssignDeviceID, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PCUNICODE_STRING))(WdfDriverGlobals, i, s)
#define WdfPdoInitAssignInstanceID(i, s) WDFCALL(WdfPdoInitAssignInstanceID, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PCUNICODE_STRING))(WdfDriverGlobals, i, s)
#define WdfPdoInitAddHardwareID(i, s) WDFCALL(WdfPdoInitAddHardwareID, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PCUNICODE_STRING))(WdfDriverGlobals, i, s)
#define WdfPdoInitAddCompatibleID(i, s) WDFCALL(WdfPdoInitAddCompatibleID, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PCUNICODE_STRING))(WdfDriverGlobals, i, s)
#define WdfPdoInitAssignRawDevice(i, g) WDFCALL(WdfPdoInitAssignRawDevice, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, CONST GUID *))(WdfDriverGlobals, i, g)
#define WdfFdoAddStaticChild(f, c) WDFCALL(WdfFdoAddStaticChild, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, WDFDEVICE))(WdfDriverGlobals, f, c)
#define WdfPdoGetParent(d) WDFCALL(WdfPdoGetParent, WDFDEVICE (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, d)
#define WdfRequestCreate(a, t, r) WDFCALL(WdfRequestCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_OBJECT_ATTRIBUTES, WDFIOTARGET, WDFREQUEST *))(WdfDriverGlobals, a, t, r)
DECLARE_HANDLE(WDFSTRING);
#define WdfStringCreate(u, a, s) WDFCALL(WdfStringCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PCUNICODE_STRING, PWDF_OBJECT_ATTRIBUTES, WDFSTRING *))(WdfDriverGlobals, u, a, s)
#define WdfRegistryQueryString(k, n, s) WDFCALL(WdfRegistryQueryString, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, WDFSTRING))(WdfDriverGlobals, k, n, s)
#define WdfStringGetUnicodeString(s, u) WDFCALL(WdfStringGetUnicodeString, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFSTRING, PUNICODE_STRING))(WdfDriverGlobals, s, u)
#define WdfIoQueueRetrieveNextRequest(q, r) WDFCALL(WdfIoQueueRetrieveNextRequest, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFQUEUE, WDFREQUEST *))(WdfDriverGlobals, q, r)
#define WdfIoQueueGetState(q, n, d) WDFCALL(WdfIoQueueGetState, ULONG (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFQUEUE, PULONG, PULONG))(WdfDriverGlobals, q, n, d)
typedef PVOID WDFCONTEXT;
#define WdfIoQueueStart(q) WDFCALL(WdfIoQueueStart, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFQUEUE))(WdfDriverGlobals, q)
#define WdfIoQueueStop(q, f, c) WDFCALL(WdfIoQueueStop, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFQUEUE, PVOID, WDFCONTEXT))(WdfDriverGlobals, q, f, c)
#define WdfIoQueueStopSynchronously(q) WDFCALL(WdfIoQueueStopSynchronously, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFQUEUE))(WdfDriverGlobals, q)
#define WdfRequestForwardToIoQueue(r, q) WDFCALL(WdfRequestForwardToIoQueue, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, WDFQUEUE))(WdfDriverGlobals, r, q)
#define WdfDeviceInitSetRequestAttributes(i, a) WDFCALL(WdfDeviceInitSetRequestAttributes, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PWDF_OBJECT_ATTRIBUTES))(WdfDriverGlobals, i, a)
#define WdfIoTargetSendReadSynchronously(t, r, b, o, s, n) WDFCALL(WdfIoTargetSendReadSynchronously, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFIOTARGET, WDFREQUEST, PWDF_MEMORY_DESCRIPTOR, PLONGLONG, PWDF_REQUEST_SEND_OPTIONS, PULONG_PTR))(WdfDriverGlobals, t, r, b, o, s, n)
#define WdfIoTargetSendWriteSynchronously(t, r, b, o, s, n) WDFCALL(WdfIoTargetSendWriteSynchronously, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFIOTARGET, WDFREQUEST, PWDF_MEMORY_DESCRIPTOR, PLONGLONG, PWDF_REQUEST_SEND_OPTIONS, PULONG_PTR))(WdfDriverGlobals, t, r, b, o, s, n)
/* wdfchildlist.h: a bus driver's default child list (dynamic enumeration). */
typedef struct WDFCHILDLIST__ *WDFCHILDLIST;
typedef struct _WDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER { ULONG IdentificationDescriptionSize; } WDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER, *PWDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER;
typedef struct _WDF_CHILD_ADDRESS_DESCRIPTION_HEADER { ULONG AddressDescriptionSize; } WDF_CHILD_ADDRESS_DESCRIPTION_HEADER, *PWDF_CHILD_ADDRESS_DESCRIPTION_HEADER;
typedef NTSTATUS NTAPI EVT_WDF_CHILD_LIST_CREATE_DEVICE(WDFCHILDLIST ChildList, PWDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER IdentificationDescription, PWDFDEVICE_INIT ChildInit);
typedef VOID NTAPI EVT_WDF_CHILD_LIST_SCAN_FOR_CHILDREN(WDFCHILDLIST ChildList);
typedef BOOLEAN NTAPI EVT_WDF_CHILD_LIST_IDENTIFICATION_DESCRIPTION_COMPARE(WDFCHILDLIST ChildList, PWDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER First, PWDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER Second);
typedef struct _WDF_CHILD_LIST_CONFIG {
    ULONG Size;
    ULONG IdentificationDescriptionSize;
    ULONG AddressDescriptionSize;
    EVT_WDF_CHILD_LIST_CREATE_DEVICE *EvtChildListCreateDevice;
    EVT_WDF_CHILD_LIST_SCAN_FOR_CHILDREN *EvtChildListScanForChildren;
    PVOID EvtChildListIdentificationDescriptionCopy;
    PVOID EvtChildListIdentificationDescriptionDuplicate;
    PVOID EvtChildListIdentificationDescriptionCleanup;
    EVT_WDF_CHILD_LIST_IDENTIFICATION_DESCRIPTION_COMPARE *EvtChildListIdentificationDescriptionCompare;
    PVOID EvtChildListAddressDescriptionCopy;
    PVOID EvtChildListAddressDescriptionDuplicate;
    PVOID EvtChildListAddressDescriptionCleanup;
    PVOID EvtChildListDeviceReenumerated;
} WDF_CHILD_LIST_CONFIG, *PWDF_CHILD_LIST_CONFIG;
FORCEINLINE VOID WDF_CHILD_LIST_CONFIG_INIT(PWDF_CHILD_LIST_CONFIG c, ULONG IdentificationDescriptionSize, EVT_WDF_CHILD_LIST_CREATE_DEVICE *create)
{
    RtlZeroMemory(c, sizeof(*c));
    c->Size = sizeof(*c);
    c->IdentificationDescriptionSize = IdentificationDescriptionSize;
    c->EvtChildListCreateDevice = create;
}
#define WdfFdoInitSetDefaultChildListConfig(i, c, a) WDFCALL(WdfFdoInitSetDefaultChildListConfig, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PWDF_CHILD_LIST_CONFIG, PWDF_OBJECT_ATTRIBUTES))(WdfDriverGlobals, i, c, a)
#define WdfFdoGetDefaultChildList(f) WDFCALL(WdfFdoGetDefaultChildList, WDFCHILDLIST (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, f)
#define WdfChildListGetDevice(l) WDFCALL(WdfChildListGetDevice, WDFDEVICE (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCHILDLIST))(WdfDriverGlobals, l)
#define WdfChildListBeginScan(l) WDFCALL(WdfChildListBeginScan, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCHILDLIST))(WdfDriverGlobals, l)
#define WdfChildListEndScan(l) WDFCALL(WdfChildListEndScan, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCHILDLIST))(WdfDriverGlobals, l)
#define WdfChildListAddOrUpdateChildDescriptionAsPresent(l, i, a) WDFCALL(WdfChildListAddOrUpdateChildDescriptionAsPresent, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCHILDLIST, PWDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER, PWDF_CHILD_ADDRESS_DESCRIPTION_HEADER))(WdfDriverGlobals, l, i, a)
#define WdfChildListUpdateChildDescriptionAsMissing(l, i) WDFCALL(WdfChildListUpdateChildDescriptionAsMissing, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCHILDLIST, PWDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER))(WdfDriverGlobals, l, i)
#define WdfChildListUpdateAllChildDescriptionsAsPresent(l) WDFCALL(WdfChildListUpdateAllChildDescriptionsAsPresent, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCHILDLIST))(WdfDriverGlobals, l)
/* wdfdevice.h: power policy callbacks (KMDF 1.5's structure ends before EvtDeviceArmWakeFromSxWithReason), alignment; wdfregistry.h. */
typedef struct _WDF_POWER_POLICY_EVENT_CALLBACKS {
    ULONG Size;
    PVOID EvtDeviceArmWakeFromS0;
    PVOID EvtDeviceDisarmWakeFromS0;
    PVOID EvtDeviceWakeFromS0Triggered;
    PVOID EvtDeviceArmWakeFromSx;
    PVOID EvtDeviceDisarmWakeFromSx;
    PVOID EvtDeviceWakeFromSxTriggered;
    PVOID EvtDeviceArmWakeFromSxWithReason;
} WDF_POWER_POLICY_EVENT_CALLBACKS, *PWDF_POWER_POLICY_EVENT_CALLBACKS;
FORCEINLINE VOID WDF_POWER_POLICY_EVENT_CALLBACKS_INIT(PWDF_POWER_POLICY_EVENT_CALLBACKS c) { RtlZeroMemory(c, sizeof(*c)); c->Size = sizeof(*c); }
#define WdfDeviceInitSetPowerPolicyEventCallbacks(i, c) WDFCALL(WdfDeviceInitSetPowerPolicyEventCallbacks, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PWDF_POWER_POLICY_EVENT_CALLBACKS))(WdfDriverGlobals, i, c)
#define WdfDeviceSetAlignmentRequirement(d, a) WDFCALL(WdfDeviceSetAlignmentRequirement, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, ULONG))(WdfDriverGlobals, d, a)
#define WdfDeviceGetAlignmentRequirement(d) WDFCALL(WdfDeviceGetAlignmentRequirement, ULONG (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, d)
#define WdfRegistryAssignValue(k, n, t, l, v) WDFCALL(WdfRegistryAssignValue, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, ULONG, ULONG, PVOID))(WdfDriverGlobals, k, n, t, l, v)
#define WdfRegistryAssignULong(k, n, v) WDFCALL(WdfRegistryAssignULong, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, ULONG))(WdfDriverGlobals, k, n, v)
#define WdfRegistryQueryUnicodeString(k, n, l, v) WDFCALL(WdfRegistryQueryUnicodeString, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, PUSHORT, PUNICODE_STRING))(WdfDriverGlobals, k, n, l, v)
#define WdfRegistryQueryMultiString(k, n, a, c) WDFCALL(WdfRegistryQueryMultiString, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, PWDF_OBJECT_ATTRIBUTES, WDFCOLLECTION))(WdfDriverGlobals, k, n, a, c)
/* wdfdevice.h: WDF_SPECIAL_FILE_TYPE (Paging 1, Hibernation, Dump, Boot, PostDisplay, GuestAssigned). */
typedef enum _WDF_SPECIAL_FILE_TYPE { WdfSpecialFileUndefined = 0, WdfSpecialFilePaging = 1, WdfSpecialFileHibernation, WdfSpecialFileDump, WdfSpecialFileBoot, WdfSpecialFilePostDisplay, WdfSpecialFileGuestAssigned, WdfSpecialFileMax } WDF_SPECIAL_FILE_TYPE;
#define WdfDeviceSetSpecialFileSupport(d, t, s) WDFCALL(WdfDeviceSetSpecialFileSupport, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, WDF_SPECIAL_FILE_TYPE, BOOLEAN))(WdfDriverGlobals, d, t, s)
#define WdfDeviceSetBusInformationForChildren(d, b) WDFCALL(WdfDeviceSetBusInformationForChildren, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PPNP_BUS_INFORMATION))(WdfDriverGlobals, d, b)
/* wdfdevice.h (KMDF 1.25+): unified device property queries; DEVPROPKEY/DEVPROPTYPE from devpropdef.h. */
enum {
    WdfDeviceQueryPropertyExTableIndex = 433,
    WdfDeviceAllocAndQueryPropertyExTableIndex = 434,
    WdfFdoInitQueryPropertyExTableIndex = 436,
    WdfFdoInitAllocAndQueryPropertyExTableIndex = 437,
};
typedef struct _WDF_DEVICE_PROPERTY_DATA {
    ULONG Size;
    const DEVPROPKEY *PropertyKey;
    LCID Lcid;
    ULONG Flags;
} WDF_DEVICE_PROPERTY_DATA, *PWDF_DEVICE_PROPERTY_DATA;
FORCEINLINE VOID WDF_DEVICE_PROPERTY_DATA_INIT(PWDF_DEVICE_PROPERTY_DATA d, const DEVPROPKEY *k) { RtlZeroMemory(d, sizeof(*d)); d->Size = sizeof(*d); d->PropertyKey = k; }
#define WdfDeviceQueryPropertyEx(d, p, n, b, r, t) WDFCALL(WdfDeviceQueryPropertyEx, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_DEVICE_PROPERTY_DATA, ULONG, PVOID, PULONG, PDEVPROPTYPE))(WdfDriverGlobals, d, p, n, b, r, t)
#define WdfDeviceAllocAndQueryPropertyEx(d, p, pt, a, m, t) WDFCALL(WdfDeviceAllocAndQueryPropertyEx, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_DEVICE_PROPERTY_DATA, POOL_TYPE, PWDF_OBJECT_ATTRIBUTES, WDFMEMORY *, PDEVPROPTYPE))(WdfDriverGlobals, d, p, pt, a, m, t)
#define WdfFdoInitQueryPropertyEx(i, p, n, b, r, t) WDFCALL(WdfFdoInitQueryPropertyEx, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PWDF_DEVICE_PROPERTY_DATA, ULONG, PVOID, PULONG, PDEVPROPTYPE))(WdfDriverGlobals, i, p, n, b, r, t)
#define WdfFdoInitAllocAndQueryPropertyEx(i, p, pt, a, m, t) WDFCALL(WdfFdoInitAllocAndQueryPropertyEx, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PWDF_DEVICE_PROPERTY_DATA, POOL_TYPE, PWDF_OBJECT_ATTRIBUTES, WDFMEMORY *, PDEVPROPTYPE))(WdfDriverGlobals, i, p, pt, a, m, t)
/* wdfmemory.h: lookaside lists; wdfdpc.h: DPC objects. */
enum {
    WdfLookasideListCreateTableIndex = 198,
    WdfMemoryCreateFromLookasideTableIndex = 199,
    WdfDpcCreateTableIndex = 111,
    WdfDpcEnqueueTableIndex = 112,
    WdfDpcCancelTableIndex = 113,
    WdfDpcGetParentObjectTableIndex = 114,
    WdfDpcWdmGetDpcTableIndex = 115,
};
typedef PVOID WDFLOOKASIDE;
typedef PVOID WDFDPC;
typedef VOID (NTAPI *PFN_WDF_DPC)(WDFDPC Dpc);
typedef struct _WDF_DPC_CONFIG {
    ULONG Size;
    PFN_WDF_DPC EvtDpcFunc;
    ULONG DriverDpcLevel;
    BOOLEAN AutomaticSerialization;
} WDF_DPC_CONFIG, *PWDF_DPC_CONFIG;
FORCEINLINE VOID WDF_DPC_CONFIG_INIT(PWDF_DPC_CONFIG c, PFN_WDF_DPC f) { RtlZeroMemory(c, sizeof(*c)); c->Size = sizeof(*c); c->EvtDpcFunc = f; c->AutomaticSerialization = TRUE; }
#define WdfLookasideListCreate(a, n, p, m, t, l) WDFCALL(WdfLookasideListCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_OBJECT_ATTRIBUTES, size_t, POOL_TYPE, PWDF_OBJECT_ATTRIBUTES, ULONG, WDFLOOKASIDE *))(WdfDriverGlobals, a, n, p, m, t, l)
#define WdfMemoryCreateFromLookaside(l, m) WDFCALL(WdfMemoryCreateFromLookaside, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFLOOKASIDE, WDFMEMORY *))(WdfDriverGlobals, l, m)
#define WdfDpcCreate(c, a, d) WDFCALL(WdfDpcCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_DPC_CONFIG, PWDF_OBJECT_ATTRIBUTES, WDFDPC *))(WdfDriverGlobals, c, a, d)
#define WdfDpcEnqueue(d) WDFCALL(WdfDpcEnqueue, BOOLEAN (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDPC))(WdfDriverGlobals, d)
#define WdfDpcCancel(d, w) WDFCALL(WdfDpcCancel, BOOLEAN (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDPC, BOOLEAN))(WdfDriverGlobals, d, w)
#define WdfDpcGetParentObject(d) WDFCALL(WdfDpcGetParentObject, WDFOBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDPC))(WdfDriverGlobals, d)
#define WdfDpcWdmGetDpc(d) WDFCALL(WdfDpcWdmGetDpc, PKDPC (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDPC))(WdfDriverGlobals, d)
/* wdfinterrupt.h: WDF_INTERRUPT_INFO (KMDF 1.7's ends after ShareDisposition). */
enum { WdfInterruptGetInfoTableIndex = 149 };
typedef enum _WDF_INTERRUPT_POLARITY { WdfInterruptPolarityUnknown = 0, WdfInterruptActiveHigh, WdfInterruptActiveLow } WDF_INTERRUPT_POLARITY;
typedef struct _WDF_INTERRUPT_INFO {
    ULONG Size;
    ULONG64 Reserved1;
    KAFFINITY TargetProcessorSet;
    ULONG Reserved2;
    ULONG MessageNumber;
    ULONG Vector;
    KIRQL Irql;
    KINTERRUPT_MODE Mode;
    WDF_INTERRUPT_POLARITY Polarity;
    BOOLEAN MessageSignaled;
    UCHAR ShareDisposition;
    DECLSPEC_ALIGN(8) USHORT Group;
} WDF_INTERRUPT_INFO, *PWDF_INTERRUPT_INFO;
FORCEINLINE VOID WDF_INTERRUPT_INFO_INIT(PWDF_INTERRUPT_INFO i) { RtlZeroMemory(i, sizeof(*i)); i->Size = sizeof(*i); }
#define WdfInterruptGetInfo(i, n) WDFCALL(WdfInterruptGetInfo, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFINTERRUPT, PWDF_INTERRUPT_INFO))(WdfDriverGlobals, i, n)
#endif
