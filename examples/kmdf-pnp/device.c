/* kmdfpnp: EvtDriverDeviceAdd (capabilities, idle settings, static stop/remove, pageability) and the
   check of what IRP_MN_QUERY_CAPABILITIES returns once the device started. */
#include "pnpdrv.h"

#ifndef DO_POWER_INRUSH
#define DO_POWER_INRUSH 0x00004000
#endif
#define STATUS_POWER_STATE_INVALID_ ((NTSTATUS)0xC00002D3L)

typedef struct _PNP_CONTEXT { BOOLEAN Owner; } PNP_CONTEXT, *PPNP_CONTEXT;
const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfPnpRequestContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "REQUEST_CONTEXT", sizeof(REQUEST_CONTEXT), &KmdfPnpRequestContextType, NULL };
static const WDF_OBJECT_CONTEXT_TYPE_INFO PnpContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "PNP_CONTEXT", sizeof(PNP_CONTEXT), &PnpContextType, NULL };
#define PnpContext(d) ((PPNP_CONTEXT)WdfObjectGetTypedContextWorker((d), &PnpContextType))

/* TRUE for the device whose first hardware ID is ROOT\KMDFPNP (ROOT\KMDFPNPNOPOL gives up power policy). */
static BOOLEAN IsPolicyOwnerDevice(PDEVICE_OBJECT Pdo)
{
    static const WCHAR owner[] = L"ROOT\\KMDFPNP";
    WCHAR ids[64];
    ULONG length = 0, i;
    RtlZeroMemory(ids, sizeof(ids));
    if (!NT_SUCCESS(IoGetDeviceProperty(Pdo, DevicePropertyHardwareID, sizeof(ids) - sizeof(WCHAR), ids, &length))) return TRUE;
    for (i = 0; i < sizeof(owner) / sizeof(WCHAR); i++)
        if (ids[i] != owner[i]) return FALSE;
    return TRUE;
}

/* IRP_MN_QUERY_CAPABILITIES to the top of the device's own stack, as the PnP manager sends it. */
static NTSTATUS QueryCapabilities(WDFDEVICE Device, PDEVICE_CAPABILITIES Caps)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIO_STACK_LOCATION sl;
    PIRP irp;
    NTSTATUS status;
    PDEVICE_OBJECT top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
    RtlZeroMemory(Caps, sizeof(*Caps));
    Caps->Size = sizeof(*Caps);
    Caps->Version = 1;
    Caps->Address = Caps->UINumber = (ULONG)-1;
    Caps->LockSupported = TRUE; /* the driver says FALSE: cleared on the way back */
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_PNP, top, NULL, 0, NULL, &event, &iosb);
    if (irp == NULL) {
        ObDereferenceObject(top);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    sl = IoGetNextIrpStackLocation(irp);
    sl->MinorFunction = IRP_MN_QUERY_CAPABILITIES;
    sl->Parameters.DeviceCapabilities.Capabilities = Caps;
    status = IoCallDriver(top, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    ObDereferenceObject(top);
    return status;
}

static ULONG QueryPnpDeviceState(WDFDEVICE Device);

/* After start: what the framework made of the capabilities the driver set (the root bus reports
   D0 in S0, D3 elsewhere, no wake, latencies 0, Address/UINumber unknown). */
static NTSTATUS KmdfPnpSelfManagedIoInit(WDFDEVICE Device)
{
    DEVICE_CAPABILITIES caps;
    ULONG check = 0;
    if (QueryCapabilities(Device, &caps) != STATUS_SUCCESS) check = 1;
    else if (PnpContext(Device)->Owner) {
        if (caps.LockSupported || !caps.Removable || !caps.SurpriseRemovalOK || caps.EjectSupported) check = 2;
        else if (caps.UINumber != 7 || caps.Address != (ULONG)-1) check = 3;
        else if (caps.DeviceState[PowerSystemWorking] != PowerDeviceD1 || caps.DeviceState[PowerSystemShutdown] != PowerDeviceD3) check = 4;
        else if (caps.DeviceWake != PowerDeviceUnspecified || caps.D1Latency != 100 || caps.D3Latency != 0) check = 5;
    } else {
        /* The non-owner's power capabilities were refused (IdealDxStateForSx): nothing changed. */
        if (caps.D1Latency != 0 || caps.DeviceState[PowerSystemWorking] != PowerDeviceD0 || caps.LockSupported != TRUE) check = 6;
    }
    if (check == 0) {
        /* PNP_DEVICE_NOT_DISABLEABLE (0x20) set, PNP_DEVICE_DONT_DISPLAY_IN_UI (0x2) cleared by the owner's state, set by the other's NoDisplayInUI capability. */
        ULONG bits = QueryPnpDeviceState(Device);
        if (bits != (PnpContext(Device)->Owner ? 0x20u : 0x2u)) check = 7;
        /* Started and in D0: a power reference waiting for D0 succeeds at once for the owner. */
        else if (PnpContext(Device)->Owner && WdfDeviceStopIdle(Device, TRUE) != STATUS_SUCCESS) check = 8;
        else if (PnpContext(Device)->Owner) WdfDeviceResumeIdle(Device);
    }
    DbgPrint("kmdfpnp: capabilities check %u (owner %u)\n", check, PnpContext(Device)->Owner);
    if (!PnpContext(Device)->Owner) DbgPrint("kmdfpnp: target check %u\n", KmdfPnpCheckTargets(Device));
    else {
        DbgPrint("kmdfpnp: interface check %u\n", KmdfPnpCheckInterface(Device));
        DbgPrint("kmdfpnp: manual queue check %u\n", KmdfPnpCheckManualQueue(Device));
    }
    return STATUS_SUCCESS;
}

static ULONG CheckIdleSettings(WDFDEVICE Device, BOOLEAN owner)
{
    WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS idle;
    WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT(&idle, IdleCannotWakeFromS0);
    if (!owner) return WdfDeviceAssignS0IdleSettings(Device, &idle) == STATUS_INVALID_DEVICE_REQUEST ? 0 : 20;
    idle.Size = 20;
    if (WdfDeviceAssignS0IdleSettings(Device, &idle) != STATUS_INFO_LENGTH_MISMATCH) return 21;
    WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT(&idle, IdleCannotWakeFromS0);
    idle.DxState = PowerDeviceD0;
    if (WdfDeviceAssignS0IdleSettings(Device, &idle) != STATUS_INVALID_PARAMETER) return 22;
    WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT(&idle, IdleCapsInvalid);
    if (WdfDeviceAssignS0IdleSettings(Device, &idle) != STATUS_INVALID_PARAMETER) return 23;
    WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT(&idle, IdleCanWakeFromS0);
    idle.PowerUpIdleDeviceOnSystemWake = WdfTrue; /* only with IdleCannotWakeFromS0 */
    if (WdfDeviceAssignS0IdleSettings(Device, &idle) != STATUS_INVALID_PARAMETER) return 24;
    WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT(&idle, IdleCanWakeFromS0);
    /* A root device cannot wake from S0 (its DEVICE_CAPABILITIES.DeviceWake is PowerDeviceUnspecified). */
    if (WdfDeviceAssignS0IdleSettings(Device, &idle) != STATUS_POWER_STATE_INVALID_) return 25;
    WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT(&idle, IdleCannotWakeFromS0);
    idle.IdleTimeout = 10000;
    idle.PowerUpIdleDeviceOnSystemWake = WdfTrue;
    if (WdfDeviceAssignS0IdleSettings(Device, &idle) != STATUS_SUCCESS) return 26;
    idle.Size = 24; /* the KMDF 1.7 structure */
    if (WdfDeviceAssignS0IdleSettings(Device, &idle) != STATUS_SUCCESS) return 27;
    return 0;
}

/* Before start: WdfDeviceStopIdle without waiting is STATUS_PENDING for the owner, refused for the other;
   WdfDeviceSetDeviceState / GetDeviceState (a wrong Size changes nothing). */
static ULONG CheckStateAndIdle(WDFDEVICE Device, BOOLEAN owner)
{
    WDF_DEVICE_STATE state, got;
    WDF_DEVICE_PNP_CAPABILITIES pnp;
    if (!owner) {
        WDF_DEVICE_PNP_CAPABILITIES_INIT(&pnp);
        pnp.NoDisplayInUI = WdfTrue; /* DontDisplayInUI left at WdfUseDefault follows it */
        WdfDeviceSetPnpCapabilities(Device, &pnp);
        return WdfDeviceStopIdle(Device, FALSE) == STATUS_INVALID_DEVICE_STATE ? 0 : 50;
    }
    if (WdfDeviceStopIdle(Device, FALSE) != STATUS_PENDING) return 51;
    WdfDeviceResumeIdle(Device);
    WDF_DEVICE_STATE_INIT(&state);
    state.NotDisableable = WdfTrue;
    state.DontDisplayInUI = WdfFalse;
    WdfDeviceSetDeviceState(Device, &state);
    state.Size = 8;
    state.Failed = WdfTrue;
    WdfDeviceSetDeviceState(Device, &state); /* ignored */
    WDF_DEVICE_STATE_INIT(&got);
    WdfDeviceGetDeviceState(Device, &got);
    if (got.NotDisableable != WdfTrue || got.DontDisplayInUI != WdfFalse || got.Failed != WdfUseDefault || got.Disabled != WdfUseDefault) return 52;
    return 0;
}

/* IRP_MN_QUERY_PNP_DEVICE_STATE to the top of the device's stack: its Information, or ~0 when it failed. */
static ULONG QueryPnpDeviceState(WDFDEVICE Device)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    NTSTATUS status;
    PDEVICE_OBJECT top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_PNP, top, NULL, 0, NULL, &event, &iosb);
    if (irp == NULL) {
        ObDereferenceObject(top);
        return (ULONG)-1;
    }
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    IoGetNextIrpStackLocation(irp)->MinorFunction = IRP_MN_QUERY_PNP_DEVICE_STATE;
    status = IoCallDriver(top, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    ObDereferenceObject(top);
    return NT_SUCCESS(status) ? (ULONG)iosb.Information : (ULONG)-1;
}

static VOID SetCapabilities(WDFDEVICE Device, BOOLEAN owner)
{
    WDF_DEVICE_PNP_CAPABILITIES pnp;
    WDF_DEVICE_POWER_CAPABILITIES power;
    WDF_DEVICE_POWER_CAPABILITIES_INIT(&power);
    power.D1Latency = 100;
    power.DeviceState[PowerSystemWorking] = PowerDeviceD1;  /* deeper than the bus's D0: taken */
    power.DeviceState[PowerSystemShutdown] = PowerDeviceD1; /* lighter than the bus's D3: not taken */
    power.DeviceWake = PowerDeviceD2;                       /* not lighter than Unspecified: not taken */
    if (!owner) {
        power.IdealDxStateForSx = PowerDeviceD3; /* only the power policy owner may: all ignored */
        WdfDeviceSetPowerCapabilities(Device, &power);
        return;
    }
    WdfDeviceSetPowerCapabilities(Device, &power);
    WDF_DEVICE_PNP_CAPABILITIES_INIT(&pnp);
    pnp.LockSupported = WdfFalse;
    pnp.Removable = WdfTrue;
    pnp.SurpriseRemovalOK = WdfTrue;
    pnp.UINumber = 7;
    WdfDeviceSetPnpCapabilities(Device, &pnp);
    /* Refused (the framework only breaks into the debugger): the capabilities above stay. */
    pnp.Removable = WdfFalse;
    pnp.Size = 4;
    WdfDeviceSetPnpCapabilities(Device, &pnp);
    pnp.Size = sizeof(pnp);
    pnp.Removable = (WDF_TRI_STATE)7;
    WdfDeviceSetPnpCapabilities(Device, &pnp);
    power.Size = sizeof(power) - 4;
    power.D1Latency = 5000;
    WdfDeviceSetPowerCapabilities(Device, &power);
}

/* EvtDeviceWdmIrpPreprocess for IRP_MN_CANCEL_REMOVE_DEVICE: the PnP manager cancels a removal the
   framework vetoed (static stop/remove below); the device makes itself stoppable again, so the next
   stop removes it. */
static NTSTATUS NTAPI KmdfPnpCancelRemove(WDFDEVICE Device, PIRP Irp)
{
    DbgPrint("kmdfpnp: cancel-remove %02x\n", IoGetCurrentIrpStackLocation(Irp)->MinorFunction);
    WdfDeviceSetStaticStopRemove(Device, TRUE);
    IoSkipCurrentIrpStackLocation(Irp);
    return WdfDeviceWdmDispatchPreprocessedIrp(Device, Irp);
}

NTSTATUS KmdfPnpEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDEVICE device;
    NTSTATUS status;
    ULONG flags, check, propCheck;
    UCHAR cancelRemove = IRP_MN_CANCEL_REMOVE_DEVICE;
    BOOLEAN owner = IsPolicyOwnerDevice(WdfFdoInitWdmGetPhysicalDevice(DeviceInit));
    UNREFERENCED_PARAMETER(Driver);

    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDeviceSelfManagedIoInit = (PVOID)KmdfPnpSelfManagedIoInit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnp);
    if (owner) {
        WDF_OBJECT_ATTRIBUTES requestAttributes;
        WDF_OBJECT_ATTRIBUTES_INIT(&requestAttributes);
        requestAttributes.ContextTypeInfo = &KmdfPnpRequestContextType;
        requestAttributes.ParentObject = Driver; /* requests take no parent: ignored */
        WdfDeviceInitSetRequestAttributes(DeviceInit, &requestAttributes);
        requestAttributes.ParentObject = NULL;
        WdfDeviceInitSetRequestAttributes(DeviceInit, &requestAttributes);
        WdfDeviceInitSetPowerNotPageable(DeviceInit);
        WdfDeviceInitAssignWdmIrpPreprocessCallback(DeviceInit, KmdfPnpCancelRemove, IRP_MJ_PNP, &cancelRemove, 1);
    } else {
        WdfDeviceInitSetPowerPolicyOwnership(DeviceInit, FALSE);
        WdfDeviceInitSetPowerInrush(DeviceInit);
    }
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ContextTypeInfo = &PnpContextType;
    propCheck = KmdfPnpCheckInitProperties(DeviceInit, owner);
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    PnpContext(device)->Owner = owner;
    if (owner) KmdfPnpDevice = device;
    flags = WdfDeviceWdmGetDeviceObject(device)->Flags & (DO_POWER_PAGABLE | DO_POWER_INRUSH);
    check = flags != (owner ? 0 : DO_POWER_INRUSH) ? 10 : CheckIdleSettings(device, owner);
    if (check == 0) check = propCheck;
    if (check == 0) check = KmdfPnpCheckDeviceProperties(device);
    if (check == 0 && owner) check = KmdfPnpAddInterface(device);
    if (check == 0) check = CheckStateAndIdle(device, owner);
    if (owner) KmdfPnpDevice = device;
    if (check == 0 && owner) check = KmdfPnpCreateChild(device);
    if (check == 0 && owner) check = KmdfPnpCheckLink(device);
    if (check == 0 && owner) check = KmdfPnpCheckDpcLookaside(device);
    SetCapabilities(device, owner);
    if (owner) {
        /* Two "not stoppable", one "stoppable": still not stoppable, so query-remove is refused
           (until KmdfPnpCancelRemove balances it). */
        WdfDeviceSetStaticStopRemove(device, FALSE);
        WdfDeviceSetStaticStopRemove(device, FALSE);
        WdfDeviceSetStaticStopRemove(device, TRUE);
    }
    DbgPrint("kmdfpnp: add check %u (owner %u)\n", check, owner);
    status = KmdfPnpCreateQueue(device);
    if (NT_SUCCESS(status) && owner) status = KmdfPnpCreateManualQueue(device);
    return status;
}
