/* kmdfpnp: a raw child PDO created in EvtDriverDeviceAdd (WdfPdoInit*, WdfFdoAddStaticChild), as
   touch drivers do for their raw side interface; the PnP manager enumerates and starts it raw. */
#include "pnpdrv.h"

/* {d4e7a9c2-3b51-4f80-9e6d-1a2b3c4d5e6f} */
static const GUID GUID_KMDFPNP_CHILD_CLASS = { 0xd4e7a9c2, 0x3b51, 0x4f80, { 0x9e, 0x6d, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f } };
/* {5c2f8e41-7a93-4b06-8d1e-0f9a8b7c6d5e}: the raw child's device interface */
static const GUID GUID_KMDFPNP_CHILD_IFACE = { 0x5c2f8e41, 0x7a93, 0x4b06, { 0x8d, 0x1e, 0x0f, 0x9a, 0x8b, 0x7c, 0x6d, 0x5e } };

static NTSTATUS ChildSelfManagedIoInit(WDFDEVICE Device)
{
    DbgPrint("kmdfpnp: child started, parent %s\n", WdfPdoGetParent(Device) == KmdfPnpDevice ? "ok" : "wrong");
    return STATUS_SUCCESS;
}

ULONG KmdfPnpCreateChild(WDFDEVICE Device)
{
    PWDFDEVICE_INIT init;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDFDEVICE child;
    UNICODE_STRING id, bad;
    init = WdfPdoInitAllocate(Device);
    if (init == NULL) return 60;
    /* An odd Length: not a valid UNICODE_STRING. */
    RtlInitUnicodeString(&bad, L"KMDFPNP\\RAWCHILD");
    bad.Length = 3;
    if (WdfPdoInitAssignDeviceID(init, &bad) != STATUS_INVALID_PARAMETER) return 61;
    RtlInitUnicodeString(&id, L"KMDFPNP\\RAWCHILD");
    if (WdfPdoInitAssignDeviceID(init, &id) != STATUS_SUCCESS || WdfPdoInitAddHardwareID(init, &id) != STATUS_SUCCESS) return 62;
    RtlInitUnicodeString(&id, L"KMDFPNP\\CHILDCOMPAT");
    if (WdfPdoInitAddCompatibleID(init, &id) != STATUS_SUCCESS) return 63;
    RtlInitUnicodeString(&id, L"7");
    if (WdfPdoInitAssignInstanceID(init, &id) != STATUS_SUCCESS) return 64;
    if (WdfPdoInitAssignRawDevice(init, &GUID_KMDFPNP_CHILD_CLASS) != STATUS_SUCCESS) return 65;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDeviceSelfManagedIoInit = (PVOID)ChildSelfManagedIoInit;
    WdfDeviceInitSetPnpPowerEventCallbacks(init, &pnp);
    if (WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &child) != STATUS_SUCCESS || init != NULL) return 66;
    if (!(WdfDeviceWdmGetDeviceObject(child)->Flags & DO_BUS_ENUMERATED_DEVICE)) return 67;
    if (WdfPdoGetParent(child) != Device) return 68;
    /* A PDO has no children; a static child must be a PDO and its parent a function device. */
    if (WdfPdoInitAllocate(child) != NULL) return 69;
    /* Not yet reported to PnP (touch drivers do this): no PDO name to link to (STATUS_INVALID_DEVICE_STATE),
       but a device interface is accepted and registered when the PDO starts (FxDeviceInterface::Register). */
    RtlInitUnicodeString(&id, L"\\DosDevices\\KmdfPnpChild");
    if (WdfDeviceCreateSymbolicLink(child, &id) != STATUS_INVALID_DEVICE_STATE) return 73;
    if (WdfDeviceCreateDeviceInterface(child, &GUID_KMDFPNP_CHILD_IFACE, NULL) != STATUS_SUCCESS) return 74;
    if (WdfFdoAddStaticChild(Device, Device) != STATUS_INVALID_PARAMETER || WdfFdoAddStaticChild(child, child) != STATUS_INVALID_PARAMETER) return 70;
    if (WdfFdoAddStaticChild(Device, child) != STATUS_SUCCESS) return 71;
    if (KmdfPnpCreateQueue(child) != STATUS_SUCCESS) return 72;
    return 0;
}

/* A symbolic link to a device without a name of its own (WdfDeviceInitAssignName): the framework links
   it to the PDO's name (FxDevice::CreateSymbolicLink); one link per device; an empty name is refused. */
ULONG KmdfPnpCheckLink(WDFDEVICE Device)
{
    UNICODE_STRING link, target, pdo;
    OBJECT_ATTRIBUTES oa;
    HANDLE h;
    WCHAR pdoName[64], buf[64];
    ULONG len = 0;
    NTSTATUS status;
    RtlInitUnicodeString(&link, L"");
    if (WdfDeviceCreateSymbolicLink(Device, &link) != STATUS_INVALID_DEVICE_REQUEST) return 80;
    RtlInitUnicodeString(&link, L"\\DosDevices\\KmdfPnpLink");
    if (WdfDeviceCreateSymbolicLink(Device, &link) != STATUS_SUCCESS) return 81;
    RtlInitUnicodeString(&link, L"\\DosDevices\\KmdfPnpLink2");
    if (WdfDeviceCreateSymbolicLink(Device, &link) != STATUS_INVALID_DEVICE_REQUEST) return 82;
    if (WdfDeviceQueryProperty(Device, DevicePropertyPhysicalDeviceObjectName, sizeof(pdoName), pdoName, &len) != STATUS_SUCCESS) return 83;
    RtlInitUnicodeString(&link, L"\\DosDevices\\KmdfPnpLink");
    InitializeObjectAttributes(&oa, &link, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    if (ZwOpenSymbolicLinkObject(&h, GENERIC_READ, &oa) != STATUS_SUCCESS) return 84;
    target.Buffer = buf;
    target.Length = 0;
    target.MaximumLength = sizeof(buf);
    status = ZwQuerySymbolicLinkObject(h, &target, NULL);
    ZwClose(h);
    if (status != STATUS_SUCCESS) return 85;
    RtlInitUnicodeString(&pdo, pdoName);
    if (pdo.Length == 0 || !RtlEqualUnicodeString(&target, &pdo, TRUE)) return 86;
    return 0;
}

/* A NULL SymbolicLinkName: a WDF_VIOLATION. */
VOID NTAPI BadSymbolicLinkNull(VOID) { WdfDeviceCreateSymbolicLink(KmdfPnpDevice, NULL); }

/* A NULL DeviceInit: a WDF_VIOLATION. */
VOID NTAPI BadPdoIdNull(VOID) { UNICODE_STRING id; RtlInitUnicodeString(&id, L"X"); WdfPdoInitAssignDeviceID(NULL, &id); }
