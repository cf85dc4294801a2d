/*
 * funcdrv.sys — a function driver that attaches its device on top of the bus device and sends
 * IRP_MN_QUERY_INTERFACE down its stack (status preset to STATUS_NOT_SUPPORTED), once for the
 * bus interface and once for a GUID nobody supports. It calls InterfaceDereference when done.
 */
#include <ntddk.h>
#include <initguid.h>
#include "../include/demobus.h"

static PDEVICE_OBJECT g_Device;
static PDEVICE_OBJECT g_Lower;
static PFILE_OBJECT g_BusFile;
static DEMOBUS_INTERFACE g_Bus;

static NTSTATUS QueryInterface(const GUID *type, PINTERFACE out, USHORT size, USHORT version)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    PIO_STACK_LOCATION stack;
    NTSTATUS status;

    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_PNP, g_Lower, NULL, 0, NULL, &event, &iosb);
    if (irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED; /* PnP rule: preset before sending */
    stack = IoGetNextIrpStackLocation(irp);
    stack->MinorFunction = IRP_MN_QUERY_INTERFACE;
    stack->Parameters.QueryInterface.InterfaceType = type;
    stack->Parameters.QueryInterface.Size = size;
    stack->Parameters.QueryInterface.Version = version;
    stack->Parameters.QueryInterface.Interface = out;
    stack->Parameters.QueryInterface.InterfaceSpecificData = NULL;
    status = IoCallDriver(g_Lower, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    return status;
}

static VOID NTAPI FuncUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    if (g_Bus.Header.InterfaceDereference)
        g_Bus.Header.InterfaceDereference(g_Bus.Header.Context);
    IoDetachDevice(g_Lower);
    IoDeleteDevice(g_Device);
    ObDereferenceObject(g_BusFile);
    DbgPrint("funcdrv: DriverUnload\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;
    PDEVICE_OBJECT bus;
    INTERFACE other;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    RtlInitUnicodeString(&name, DEMOBUS_DEVICE_NAME);
    status = IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &g_BusFile, &bus);
    if (!NT_SUCCESS(status))
        return status;
    status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Device);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(g_BusFile);
        return status;
    }
    g_Lower = IoAttachDeviceToDeviceStack(g_Device, bus);
    if (g_Lower == NULL) {
        IoDeleteDevice(g_Device);
        ObDereferenceObject(g_BusFile);
        return STATUS_NO_SUCH_DEVICE;
    }

    RtlZeroMemory(&other, sizeof(other));
    status = QueryInterface(&GUID_UNSUPPORTED_INTERFACE, &other, sizeof(other), 1);
    DbgPrint("funcdrv: query for an unsupported interface: 0x%08X\n", status);

    RtlZeroMemory(&g_Bus, sizeof(g_Bus));
    status = QueryInterface(&GUID_DEMOBUS_INTERFACE, &g_Bus.Header, sizeof(g_Bus), DEMOBUS_INTERFACE_VERSION);
    DbgPrint("funcdrv: query for the bus interface: 0x%08X\n", status);
    if (!NT_SUCCESS(status)) {
        IoDetachDevice(g_Lower);
        IoDeleteDevice(g_Device);
        ObDereferenceObject(g_BusFile);
        return status;
    }
    g_Bus.WriteRegister(g_Bus.Header.Context, 1, 0xBEEF);
    DbgPrint("funcdrv: bus registers: [0]=0x%X [1]=0x%X\n",
             g_Bus.ReadRegister(g_Bus.Header.Context, 0), g_Bus.ReadRegister(g_Bus.Header.Context, 1));
    DriverObject->DriverUnload = FuncUnload;
    return STATUS_SUCCESS;
}
