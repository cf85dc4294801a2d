/* pnpfunc: DriverEntry, AddDevice, unload, and the device-interface notification it registers. */
#include "func.h"

LONG FuncArrivals;
static PVOID Notification;

/* DEVICE_INTERFACE_CHANGE_NOTIFICATION for our own interface class: count arrivals. */
static NTSTATUS NTAPI OnInterfaceChange(PVOID NotificationStructure, PVOID Context)
{
    PDEVICE_INTERFACE_CHANGE_NOTIFICATION n = (PDEVICE_INTERFACE_CHANGE_NOTIFICATION)NotificationStructure;
    UNREFERENCED_PARAMETER(Context);
    if (IsEqualGUID(&n->Event, &GUID_DEVICE_INTERFACE_ARRIVAL)) {
        InterlockedIncrement(&FuncArrivals);
        DbgPrint("pnpfunc: interface arrival %wZ\n", n->SymbolicLinkName);
    } else if (IsEqualGUID(&n->Event, &GUID_DEVICE_INTERFACE_REMOVAL)) {
        DbgPrint("pnpfunc: interface removal %wZ\n", n->SymbolicLinkName);
    }
    return STATUS_SUCCESS;
}

/*
 * IoOpenDeviceRegistryKey (Microsoft Learn): the devnode's hardware key, written through one
 * handle and read back through another; its software key is another key; a type that is no
 * PLUGPLAY_REGKEY_* value and a device that is no PDO fail. Prints the results for the test.
 */
static VOID CheckDeviceKeys(PDEVICE_OBJECT Pdo, PDEVICE_OBJECT Fdo)
{
    HANDLE key = NULL;
    UNICODE_STRING name;
    ULONG one = 1, got = 0, back = 0;
    UCHAR buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    NTSTATUS open, driverRead = 0, badType, notPdo;

    RtlInitUnicodeString(&name, L"PnpFuncSeen");
    open = IoOpenDeviceRegistryKey(Pdo, PLUGPLAY_REGKEY_DEVICE, KEY_ALL_ACCESS, &key);
    if (NT_SUCCESS(open)) {
        ZwSetValueKey(key, &name, 0, REG_DWORD, &one, sizeof(one));
        ZwClose(key);
    }
    if (NT_SUCCESS(IoOpenDeviceRegistryKey(Pdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ, &key))) {
        if (NT_SUCCESS(ZwQueryValueKey(key, &name, KeyValuePartialInformation, info, sizeof(buffer), &got)) && info->DataLength == sizeof(ULONG))
            back = *(ULONG UNALIGNED *)info->Data;
        ZwClose(key);
    }
    if (NT_SUCCESS(IoOpenDeviceRegistryKey(Pdo, PLUGPLAY_REGKEY_DRIVER, KEY_READ, &key))) {
        driverRead = ZwQueryValueKey(key, &name, KeyValuePartialInformation, info, sizeof(buffer), &got);
        ZwClose(key);
    }
    badType = IoOpenDeviceRegistryKey(Pdo, 0x10, KEY_READ, &key);
    notPdo = IoOpenDeviceRegistryKey(Fdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ, &key);
    DbgPrint("pnpfunc: device key 0x%08x read back %lu, driver key 0x%08x, bad type 0x%08x, not a PDO 0x%08x\n", open, back, driverRead, badType, notPdo);
}

NTSTATUS NTAPI FuncAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    PFUNC_EXTENSION fx;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(FUNC_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    fx = (PFUNC_EXTENSION)fdo->DeviceExtension;
    RtlZeroMemory(fx, sizeof(*fx));
    fx->Self = fdo;
    fx->Pdo = Pdo;
    CheckDeviceKeys(Pdo, fdo);
    status = IoRegisterDeviceInterface(Pdo, &GUID_DEVINTERFACE_PNPDEMO_WDM, NULL, &fx->InterfaceName);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(fdo);
        return status;
    }
    fx->Lower = IoAttachDeviceToDeviceStack(fdo, Pdo);
    if (fx->Lower == NULL) {
        RtlFreeUnicodeString(&fx->InterfaceName);
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    fdo->Flags |= DO_BUFFERED_IO | DO_POWER_PAGABLE;
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    DbgPrint("pnpfunc: AddDevice, interface %wZ\n", &fx->InterfaceName);
    return STATUS_SUCCESS;
}

static VOID NTAPI FuncUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    if (Notification != NULL)
        IoUnregisterPlugPlayNotification(Notification);
    DbgPrint("pnpfunc: DriverUnload (%d arrival(s) seen)\n", FuncArrivals);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = FuncDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = FuncDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = FuncDispatchIoctl;
    DriverObject->MajorFunction[IRP_MJ_PNP] = FuncDispatchPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = FuncDispatchPower;
    DriverObject->DriverExtension->AddDevice = FuncAddDevice;
    DriverObject->DriverUnload = FuncUnload;
    status = IoRegisterPlugPlayNotification(EventCategoryDeviceInterfaceChange, PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES,
                                            (PVOID)&GUID_DEVINTERFACE_PNPDEMO_WDM, DriverObject, OnInterfaceChange, NULL, &Notification);
    return status;
}
