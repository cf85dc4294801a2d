/* kmdfbus: a KMDF bus driver enumerating its children through the device's default child list
   (WdfFdoInitSetDefaultChildListConfig, EvtChildListScanForChildren, WdfChildList*,
   EvtChildListCreateDevice). */
#define KMDFMIN_STUB
#include "../include/kmdfpnp.h"

/* The identification description of a child: its serial number. */
typedef struct _BUS_CHILD_ID {
    WDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER Header;
    ULONG Serial;
} BUS_CHILD_ID, *PBUS_CHILD_ID;
typedef struct _BUS_CHILD_ADDRESS {
    WDF_CHILD_ADDRESS_DESCRIPTION_HEADER Header;
    ULONG Port;
} BUS_CHILD_ADDRESS;

/* {6c1e2f4a-8b3d-4e5f-a1b2-c3d4e5f60718} */
static const GUID GUID_KMDFBUS_CHILD_CLASS = { 0x6c1e2f4a, 0x8b3d, 0x4e5f, { 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18 } };
static WDFDEVICE BusDevice, Child1;
static WDFCHILDLIST BusList;
static UNICODE_STRING SavedRegistryPath;
static WCHAR SavedPathBuffer[260];
static PDRIVER_UNLOAD FrameworkUnload;

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(VOID) { return STATUS_SUCCESS; }

static VOID IdInit(PBUS_CHILD_ID Id, ULONG Serial)
{
    RtlZeroMemory(Id, sizeof(*Id));
    Id->Header.IdentificationDescriptionSize = sizeof(*Id);
    Id->Serial = Serial;
}

/* Children 1 and 2; a repeat, a wrong header size, an address the list has no room for, a missing
   child that was never there. */
static ULONG Scan(WDFCHILDLIST List)
{
    BUS_CHILD_ID id;
    BUS_CHILD_ADDRESS address;
    if (List != BusList || WdfChildListGetDevice(List) != BusDevice) return 1;
    WdfChildListBeginScan(List);
    IdInit(&id, 1);
    if (WdfChildListAddOrUpdateChildDescriptionAsPresent(List, &id.Header, NULL) != STATUS_SUCCESS) return 2;
    IdInit(&id, 2);
    if (WdfChildListAddOrUpdateChildDescriptionAsPresent(List, &id.Header, NULL) != STATUS_SUCCESS) return 3;
    IdInit(&id, 1);
    if (WdfChildListAddOrUpdateChildDescriptionAsPresent(List, &id.Header, NULL) != STATUS_OBJECT_NAME_EXISTS) return 4;
    id.Header.IdentificationDescriptionSize = 4;
    if (WdfChildListAddOrUpdateChildDescriptionAsPresent(List, &id.Header, NULL) != STATUS_INVALID_DEVICE_REQUEST) return 5;
    IdInit(&id, 3);
    address.Header.AddressDescriptionSize = sizeof(address);
    address.Port = 1;
    if (WdfChildListAddOrUpdateChildDescriptionAsPresent(List, &id.Header, &address.Header) != STATUS_INVALID_DEVICE_REQUEST) return 6;
    IdInit(&id, 9);
    if (WdfChildListUpdateChildDescriptionAsMissing(List, &id.Header) != STATUS_NO_SUCH_DEVICE) return 7;
    WdfChildListEndScan(List);
    return 0;
}

static VOID NTAPI BusScan(WDFCHILDLIST List)
{
    DbgPrint("kmdfbus: scan check %u\n", Scan(List));
}

/* A raw PDO KMDFBUS\CHILD, instance ID the serial number. */
static NTSTATUS NTAPI BusCreateChild(WDFCHILDLIST List, PWDF_CHILD_IDENTIFICATION_DESCRIPTION_HEADER Header, PWDFDEVICE_INIT ChildInit)
{
    PBUS_CHILD_ID id = CONTAINING_RECORD(Header, BUS_CHILD_ID, Header);
    WCHAR instance[2];
    UNICODE_STRING text;
    WDFDEVICE child;
    NTSTATUS status;
    DbgPrint("kmdfbus: create child %u (list %s)\n", id->Serial, List == BusList ? "ok" : "wrong");
    RtlInitUnicodeString(&text, L"KMDFBUS\\CHILD");
    status = WdfPdoInitAssignDeviceID(ChildInit, &text);
    if (NT_SUCCESS(status)) status = WdfPdoInitAddHardwareID(ChildInit, &text);
    instance[0] = (WCHAR)(L'0' + id->Serial);
    instance[1] = 0;
    RtlInitUnicodeString(&text, instance);
    if (NT_SUCCESS(status)) status = WdfPdoInitAssignInstanceID(ChildInit, &text);
    if (NT_SUCCESS(status)) status = WdfPdoInitAssignRawDevice(ChildInit, &GUID_KMDFBUS_CHILD_CLASS);
    if (NT_SUCCESS(status)) status = WdfDeviceCreate(&ChildInit, WDF_NO_OBJECT_ATTRIBUTES, &child);
    if (NT_SUCCESS(status) && id->Serial == 1) Child1 = child;
    return status;
}

static VOID NTAPI ArmWake(VOID) {}

/* WdfRegistryQueryUnicodeString / QueryMultiString on the values examples/kmdf-bus/kmdfbus.reg seeds in
   the first device's Device Parameters key: Name (REG_SZ "kmdfbus"), Mode (REG_DWORD), Ports
   (REG_MULTI_SZ COM1, COM2), Broken (REG_MULTI_SZ without its terminator), Empty (REG_MULTI_SZ, no data). */
static ULONG CheckQueries(WDFDEVICE Device)
{
    WDFKEY key;
    WDFCOLLECTION strings;
    UNICODE_STRING name, text, got;
    WCHAR buffer[16];
    USHORT bytes = 0;
    if (WdfDeviceOpenRegistryKey(Device, PLUGPLAY_REGKEY_DEVICE, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key) != STATUS_SUCCESS) return 20;
    RtlInitUnicodeString(&name, L"Name");
    text.Buffer = buffer;
    text.Length = 0;
    text.MaximumLength = sizeof(buffer);
    if (WdfRegistryQueryUnicodeString(key, &name, &bytes, &text) != STATUS_SUCCESS || bytes != 16 || text.Length != 14 || buffer[0] != L'k' || buffer[6] != L's') return 21;
    /* A Length above MaximumLength is no valid UNICODE_STRING; a room too small for the data overflows. */
    text.MaximumLength = 8;
    if (WdfRegistryQueryUnicodeString(key, &name, &bytes, &text) != STATUS_INVALID_PARAMETER) return 34;
    text.Length = 0;
    bytes = 0;
    if (WdfRegistryQueryUnicodeString(key, &name, &bytes, &text) != STATUS_BUFFER_OVERFLOW || bytes != 16) return 22;
    bytes = 0;
    if (WdfRegistryQueryUnicodeString(key, &name, &bytes, NULL) != STATUS_BUFFER_OVERFLOW || bytes != 16) return 23;
    text.MaximumLength = 0;
    if (WdfRegistryQueryUnicodeString(key, &name, &bytes, &text) != STATUS_INVALID_PARAMETER) return 24;
    text.MaximumLength = sizeof(buffer);
    RtlInitUnicodeString(&name, L"Mode");
    if (WdfRegistryQueryUnicodeString(key, &name, &bytes, &text) != STATUS_OBJECT_TYPE_MISMATCH) return 25;
    if (WdfCollectionCreate(WDF_NO_OBJECT_ATTRIBUTES, &strings) != STATUS_SUCCESS) return 26;
    RtlInitUnicodeString(&name, L"Ports");
    if (WdfRegistryQueryMultiString(key, &name, WDF_NO_OBJECT_ATTRIBUTES, strings) != STATUS_SUCCESS || WdfCollectionGetCount(strings) != 2) return 27;
    WdfStringGetUnicodeString((WDFSTRING)WdfCollectionGetItem(strings, 0), &got);
    if (got.Length != 8 || got.Buffer[3] != L'1') return 28;
    WdfStringGetUnicodeString((WDFSTRING)WdfCollectionGetItem(strings, 1), &got);
    if (got.Length != 8 || got.Buffer[3] != L'2') return 29;
    RtlInitUnicodeString(&name, L"Name");
    if (WdfRegistryQueryMultiString(key, &name, WDF_NO_OBJECT_ATTRIBUTES, strings) != STATUS_OBJECT_TYPE_MISMATCH) return 30;
    RtlInitUnicodeString(&name, L"Broken");
    if (WdfRegistryQueryMultiString(key, &name, WDF_NO_OBJECT_ATTRIBUTES, strings) != STATUS_OBJECT_TYPE_MISMATCH) return 31;
    RtlInitUnicodeString(&name, L"Empty");
    if (WdfRegistryQueryMultiString(key, &name, WDF_NO_OBJECT_ATTRIBUTES, strings) != (NTSTATUS)0xC0000089L) return 32; /* STATUS_RESOURCE_DATA_NOT_FOUND */
    if (WdfCollectionGetCount(strings) != 2) return 33;
    WdfObjectDelete(strings);
    WdfRegistryClose(key);
    return 0;
}

/* Alignment and a device key value the bus keeps (WdfDeviceSetAlignmentRequirement,
   WdfRegistryAssignULong). */
static ULONG CheckDevice(WDFDEVICE Device)
{
    WDFKEY key;
    UNICODE_STRING name;
    ULONG value = 0;
    WdfDeviceSetAlignmentRequirement(Device, FILE_LONG_ALIGNMENT);
    if (WdfDeviceGetAlignmentRequirement(Device) != FILE_LONG_ALIGNMENT || WdfDeviceWdmGetDeviceObject(Device)->AlignmentRequirement != FILE_LONG_ALIGNMENT) return 11;
    if (WdfDeviceOpenRegistryKey(Device, PLUGPLAY_REGKEY_DEVICE, KEY_ALL_ACCESS, WDF_NO_OBJECT_ATTRIBUTES, &key) != STATUS_SUCCESS) return 12;
    RtlInitUnicodeString(&name, L"Children");
    if (WdfRegistryAssignULong(key, &name, 2) != STATUS_SUCCESS || WdfRegistryQueryULong(key, &name, &value) != STATUS_SUCCESS || value != 2) return 13;
    if (WdfRegistryAssignULong(key, &name, 0x12345678) != STATUS_SUCCESS || WdfRegistryQueryULong(key, &name, &value) != STATUS_SUCCESS || value != 0x12345678) return 14;
    name.Length = 3; /* not a valid UNICODE_STRING */
    if (WdfRegistryAssignULong(key, &name, 1) != STATUS_INVALID_PARAMETER) return 15;
    /* WdfRegistryAssignValue: any type and bytes (a REG_DWORD read back as a ULONG, then REG_BINARY). */
    value = 0xA5A5F00D;
    if (WdfRegistryAssignValue(key, &name, REG_DWORD, sizeof(value), &value) != STATUS_INVALID_PARAMETER) return 71;
    RtlInitUnicodeString(&name, L"AssignValue");
    if (WdfRegistryAssignValue(key, &name, REG_DWORD, sizeof(value), &value) != STATUS_SUCCESS) return 72;
    value = 0;
    if (WdfRegistryQueryULong(key, &name, &value) != STATUS_SUCCESS || value != 0xA5A5F00D) return 73;
    if (WdfRegistryAssignValue(key, &name, REG_BINARY, 3, "abc") != STATUS_SUCCESS) return 74;
    if (WdfRegistryQueryULong(key, &name, &value) == STATUS_SUCCESS) return 75; /* not a REG_DWORD any more */
    WdfRegistryClose(key);
    return CheckQueries(Device);
}

/* The first device: three configurations the framework refuses (a wrong Size, no identification
   description, attributes with a parent), then the one it keeps. The second: no child list. */
static NTSTATUS NTAPI BusDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_CHILD_LIST_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDEVICE device;
    NTSTATUS status;
    ULONG check;
    BOOLEAN bus = BusDevice == NULL;
    if (bus) {
        /* Power policy callbacks: a wrong Size and both ArmWakeFromSx forms are refused, then kept. */
        WDF_POWER_POLICY_EVENT_CALLBACKS policy;
        WDF_POWER_POLICY_EVENT_CALLBACKS_INIT(&policy);
        policy.EvtDeviceArmWakeFromSx = (PVOID)ArmWake;
        policy.EvtDeviceArmWakeFromSxWithReason = (PVOID)ArmWake;
        WdfDeviceInitSetPowerPolicyEventCallbacks(DeviceInit, &policy);
        policy.EvtDeviceArmWakeFromSxWithReason = NULL;
        policy.Size = 12;
        WdfDeviceInitSetPowerPolicyEventCallbacks(DeviceInit, &policy);
        policy.Size = sizeof(policy);
        WdfDeviceInitSetPowerPolicyEventCallbacks(DeviceInit, &policy);
        WDF_CHILD_LIST_CONFIG_INIT(&config, sizeof(BUS_CHILD_ID), BusCreateChild);
        config.EvtChildListScanForChildren = BusScan;
        config.Size = 8;
        WdfFdoInitSetDefaultChildListConfig(DeviceInit, &config, WDF_NO_OBJECT_ATTRIBUTES);
        config.Size = sizeof(config);
        config.IdentificationDescriptionSize = 0;
        WdfFdoInitSetDefaultChildListConfig(DeviceInit, &config, WDF_NO_OBJECT_ATTRIBUTES);
        config.IdentificationDescriptionSize = sizeof(BUS_CHILD_ID);
        WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
        attributes.ParentObject = (WDFOBJECT)Driver;
        WdfFdoInitSetDefaultChildListConfig(DeviceInit, &config, &attributes);
        WdfFdoInitSetDefaultChildListConfig(DeviceInit, &config, WDF_NO_OBJECT_ATTRIBUTES);
    }
    status = WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status)) return status;
    if (bus) {
        BusDevice = device;
        BusList = WdfFdoGetDefaultChildList(device);
        check = BusList != NULL && WdfChildListGetDevice(BusList) == device ? 0 : 1;
        if (check == 0) check = CheckDevice(device);
        {
            /* What the children answer IRP_MN_QUERY_BUS_INFORMATION with (ChangeChildren asks); paging files
               supported; PostDisplay cannot be set (a warning). */
            PNP_BUS_INFORMATION info;
            RtlZeroMemory(&info, sizeof(info));
            info.BusTypeGuid = GUID_KMDFBUS_CHILD_CLASS;
            info.LegacyBusType = PNPBus;
            info.BusNumber = 7;
            WdfDeviceSetBusInformationForChildren(device, &info);
            WdfDeviceSetSpecialFileSupport(device, WdfSpecialFilePaging, TRUE);
            WdfDeviceSetSpecialFileSupport(device, WdfSpecialFilePostDisplay, TRUE);
        }
    } else {
        check = WdfFdoGetDefaultChildList(device) == NULL ? 0 : 2;
    }
    DbgPrint("kmdfbus: add check %u (%s)\n", check, bus ? "bus" : "plain");
    return STATUS_SUCCESS;
}

/* IRP_MN_QUERY_BUS_INFORMATION to child 1's PDO: the framework answers for the bus with a pool copy. */
static ULONG QueryBusInformation(VOID)
{
    PDEVICE_OBJECT pdo = WdfDeviceWdmGetDeviceObject(Child1);
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    PPNP_BUS_INFORMATION info;
    ULONG check = 0;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_PNP, pdo, NULL, 0, NULL, &event, &iosb);
    if (irp == NULL) return 40;
    IoGetNextIrpStackLocation(irp)->MinorFunction = IRP_MN_QUERY_BUS_INFORMATION;
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    if (IoCallDriver(pdo, irp) == STATUS_PENDING) KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
    info = (PPNP_BUS_INFORMATION)iosb.Information;
    if (iosb.Status != STATUS_SUCCESS || info == NULL) return 41;
    if (info->BusNumber != 7 || info->LegacyBusType != PNPBus || info->BusTypeGuid.Data1 != GUID_KMDFBUS_CHILD_CLASS.Data1) check = 42;
    ExFreePool(info);
    return check;
}

/* After the start: child 2 goes missing and child 3 comes, outside a scan (each change asks the PnP
   manager to enumerate the bus again). */
VOID NTAPI ChangeChildren(VOID)
{
    BUS_CHILD_ID id;
    ULONG check = Child1 != NULL ? QueryBusInformation() : 43;
    IdInit(&id, 2);
    if (check == 0 && WdfChildListUpdateChildDescriptionAsMissing(BusList, &id.Header) != STATUS_SUCCESS) check = 1;
    IdInit(&id, 3);
    if (check == 0 && WdfChildListAddOrUpdateChildDescriptionAsPresent(BusList, &id.Header, NULL) != STATUS_SUCCESS) check = 2;
    DbgPrint("kmdfbus: change check %u\n", check);
}

/* A NULL IdentificationDescription: a WDF_VIOLATION. */
VOID NTAPI BadChildDescriptionNull(VOID) { WdfChildListAddOrUpdateChildDescriptionAsPresent(BusList, NULL, NULL); }

static VOID NTAPI BusUnload(PDRIVER_OBJECT DriverObject)
{
    FrameworkUnload(DriverObject);
    KmdllWdfUnbind(&SavedRegistryPath);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDFDRIVER driver;
    NTSTATUS status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) return status;
    SavedRegistryPath.Buffer = SavedPathBuffer;
    SavedRegistryPath.MaximumLength = sizeof(SavedPathBuffer);
    RtlCopyUnicodeString(&SavedRegistryPath, RegistryPath);
    WDF_DRIVER_CONFIG_INIT(&config, BusDeviceAdd);
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &driver);
    if (!NT_SUCCESS(status)) {
        KmdllWdfUnbind(&SavedRegistryPath);
        return status;
    }
    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = BusUnload;
    return STATUS_SUCCESS;
}
