/* kmdffunc: EvtDriverDeviceAdd and the PnP/power callbacks of the device. */
#include "kmdffunc.h"

const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfFuncContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "DEVICE_CONTEXT", sizeof(DEVICE_CONTEXT), &KmdfFuncContextType, NULL };

static EVT_WDF_DEVICE_PREPARE_HARDWARE KmdfFuncPrepareHardware;
static EVT_WDF_DEVICE_RELEASE_HARDWARE KmdfFuncReleaseHardware;
static EVT_WDF_DEVICE_D0_ENTRY KmdfFuncD0Entry;
static EVT_WDF_DEVICE_D0_EXIT KmdfFuncD0Exit;

/* Removal order (Learn: EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND, _FLUSH, _CLEANUP): self-managed I/O
   is suspended before EvtDeviceD0Exit, flushed and cleaned up after EvtDeviceReleaseHardware. Each
   callback appends its digit to ctx->Removal: Suspend 1, D0Exit 2, ReleaseHardware 3, Flush 4, so
   Cleanup must see 1234. */
static VOID KmdfFuncRemovalStep(WDFDEVICE Device, ULONG Digit)
{
    PDEVICE_CONTEXT ctx = DeviceContext(Device);
    ctx->Removal = ctx->Removal * 10 + Digit;
}

static NTSTATUS KmdfFuncSelfManagedIoSuspend(WDFDEVICE Device)
{
    KmdfFuncRemovalStep(Device, 1);
    DbgPrint("kmdffunc: EvtDeviceSelfManagedIoSuspend\n");
    return STATUS_SUCCESS;
}

static VOID KmdfFuncSelfManagedIoFlush(WDFDEVICE Device)
{
    KmdfFuncRemovalStep(Device, 4);
    DbgPrint("kmdffunc: EvtDeviceSelfManagedIoFlush\n");
}

static VOID KmdfFuncSelfManagedIoCleanup(WDFDEVICE Device)
{
    PDEVICE_CONTEXT ctx = DeviceContext(Device);
    DbgPrint("kmdffunc: EvtDeviceSelfManagedIoCleanup, order %s (%u)\n", ctx->Removal == 1234 ? "ok" : "wrong", ctx->Removal);
}

/* A DWORD of the device's hardware key, 0 when missing. */
static ULONG KmdfFuncQueryULong(WDFDEVICE Device, PCWSTR Name)
{
    WDFKEY key;
    ULONG value = 0;
    UNICODE_STRING name;
    if (!NT_SUCCESS(WdfDeviceOpenRegistryKey(Device, PLUGPLAY_REGKEY_DEVICE, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key))) return 0;
    RtlInitUnicodeString(&name, Name);
    if (!NT_SUCCESS(WdfRegistryQueryULong(key, &name, &value))) value = 0;
    WdfRegistryClose(key);
    return value;
}

static NTSTATUS KmdfFuncPrepareHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesRaw, WDFCMRESLIST ResourcesTranslated)
{
    PDEVICE_CONTEXT ctx = DeviceContext(Device);
    NTSTATUS status;
    UNREFERENCED_PARAMETER(ResourcesRaw);
    ctx->ResourceCount = WdfCmResourceListGetCount(ResourcesTranslated);
    status = WdfFdoQueryForInterface(Device, &GUID_PNPDEMO_BUS_INTERFACE, (PINTERFACE)&ctx->Bus, sizeof(ctx->Bus), PNPDEMO_BUS_INTERFACE_VERSION, NULL);
    ctx->HaveBus = NT_SUCCESS(status);
    DbgPrint("kmdffunc: EvtDevicePrepareHardware, %u resource(s), bus interface 0x%08x\n", ctx->ResourceCount, status);
    /* "FailPrepareHardware"=1 in the hardware key: fail after taking pool. KMDF then calls
       EvtDeviceReleaseHardware (FxPkgPnp::PnpEventHardwareAvailable → PnpEventFailedOwnHardware
       in Microsoft's Windows-Driver-Frameworks sources), which frees it. */
    if (NT_SUCCESS(status) && KmdfFuncQueryULong(Device, L"FailPrepareHardware") == 1) {
        ctx->FailedStart = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'HPfK');
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    }
    return status;
}

static NTSTATUS KmdfFuncReleaseHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesTranslated)
{
    PDEVICE_CONTEXT ctx = DeviceContext(Device);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    if (ctx->HaveBus) {
        ctx->Bus.Header.InterfaceDereference(ctx->Bus.Header.Context);
        ctx->HaveBus = FALSE;
    }
    if (ctx->FailedStart != NULL) {
        ExFreePoolWithTag(ctx->FailedStart, 'HPfK');
        ctx->FailedStart = NULL;
    }
    KmdfFuncRemovalStep(Device, 3);
    DbgPrint("kmdffunc: EvtDeviceReleaseHardware\n");
    return STATUS_SUCCESS;
}

static NTSTATUS KmdfFuncD0Entry(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState)
{
    PDEVICE_CONTEXT ctx = DeviceContext(Device);
    ctx->D0Entries++;
    DbgPrint("kmdffunc: EvtDeviceD0Entry from state %d\n", PreviousState);
    return STATUS_SUCCESS;
}

static NTSTATUS KmdfFuncD0Exit(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState)
{
    KmdfFuncRemovalStep(Device, 2);
    DbgPrint("kmdffunc: EvtDeviceD0Exit to state %d\n", TargetState);
    return STATUS_SUCCESS;
}

/* WDFKEY: the device's hardware key (Enum\<instance>\Device Parameters), seeded by
   examples/kmdf-func/kmdffunc.reg: 0 when every check passed, else the number of the first failed one. */
static ULONG KmdfFuncCheckRegistry(WDFDEVICE Device)
{
    WDFKEY key;
    ULONG value = 0;
    UNICODE_STRING name;
    if (WdfDeviceOpenRegistryKey(Device, 0x40, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key) != STATUS_INVALID_PARAMETER) return 1;
    if (WdfDeviceOpenRegistryKey(Device, PLUGPLAY_REGKEY_DEVICE, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key) != STATUS_SUCCESS) return 2;
    RtlInitUnicodeString(&name, L"PollInterval");
    if (WdfRegistryQueryULong(key, &name, &value) != STATUS_SUCCESS || value != 0x1234) return 3;
    RtlInitUnicodeString(&name, L"FriendlyName"); /* REG_SZ */
    if (WdfRegistryQueryULong(key, &name, &value) != STATUS_OBJECT_TYPE_MISMATCH) return 4;
    RtlInitUnicodeString(&name, L"NoSuchValue");
    if (WdfRegistryQueryULong(key, &name, &value) != STATUS_OBJECT_NAME_NOT_FOUND) return 5;
    WdfRegistryClose(key);
    /* The driver key opens (created when missing) and is empty. */
    if (WdfDeviceOpenRegistryKey(Device, PLUGPLAY_REGKEY_DRIVER, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key) != STATUS_SUCCESS) return 6;
    RtlInitUnicodeString(&name, L"PollInterval");
    if (WdfRegistryQueryULong(key, &name, &value) != STATUS_OBJECT_NAME_NOT_FOUND) return 7;
    WdfRegistryClose(key);
    return 0;
}

NTSTATUS KmdfFuncEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    PWDFDEVICE_INIT init;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDEVICE device;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Driver);

    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDevicePrepareHardware = KmdfFuncPrepareHardware;
    pnp.EvtDeviceReleaseHardware = KmdfFuncReleaseHardware;
    pnp.EvtDeviceD0Entry = KmdfFuncD0Entry;
    pnp.EvtDeviceD0Exit = KmdfFuncD0Exit;
    pnp.EvtDeviceSelfManagedIoSuspend = (PVOID)KmdfFuncSelfManagedIoSuspend;
    pnp.EvtDeviceSelfManagedIoFlush = (PVOID)KmdfFuncSelfManagedIoFlush;
    pnp.EvtDeviceSelfManagedIoCleanup = (PVOID)KmdfFuncSelfManagedIoCleanup;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnp);
    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoBuffered);

    RtlZeroMemory(&attributes, sizeof(attributes));
    attributes.Size = sizeof(attributes);
    attributes.ContextTypeInfo = &KmdfFuncContextType;
    init = DeviceInit;
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    /* A pattern of real drivers (a WDFDEVICE_INIT passed by value to a helper that creates the
     * device, then used again): the framework's WDFDEVICE_INIT lives until EvtDriverDeviceAdd
     * returns, so this has no effect (the device stays buffered) rather than touching freed memory. */
    WdfDeviceInitSetIoType(init, WdfDeviceIoDirect);
    if ((WdfDeviceWdmGetDeviceObject(device)->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO)) != DO_BUFFERED_IO)
        return STATUS_INTERNAL_ERROR;
    status = WdfDeviceCreateDeviceInterface(device, &GUID_DEVINTERFACE_PNPDEMO_KMDF, NULL);
    if (!NT_SUCCESS(status))
        return status;
    DbgPrint("kmdffunc: EvtDriverDeviceAdd, PDO %p, registry check %u\n", WdfDeviceWdmGetPhysicalDevice(device), KmdfFuncCheckRegistry(device));
    status = KmdfFuncCreateQueue(device);
    /* "FailDeviceAdd"=1 in the hardware key: fail after creating the device and its queue. The
       framework then deletes the device (Learn, EVT_WDF_DRIVER_DEVICE_ADD), the devnode gets
       CM_PROB_FAILED_ADD and, with no device left, the driver is unloaded (test/pnp-fail.test.ts). */
    if (NT_SUCCESS(status) && KmdfFuncQueryULong(device, L"FailDeviceAdd") == 1)
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    return status;
}
