/*
 * busdrv.sys — a bus-style driver that exports a direct-call interface in response to
 * IRP_MN_QUERY_INTERFACE (IRP_MJ_PNP). Unknown interface GUIDs leave the IRP's status as the
 * requester preset it (STATUS_NOT_SUPPORTED) and pass it on, as PnP rules require.
 */
#include <ntddk.h>
#include <initguid.h>
#include "../include/demobus.h"

static PDEVICE_OBJECT g_Device;
static LONG g_References;
static ULONG g_Registers[8];

static VOID NTAPI BusReference(PVOID Context)
{
    LONG n = InterlockedIncrement((PLONG)Context);
    DbgPrint("busdrv: InterfaceReference -> %d\n", n);
}

static VOID NTAPI BusDereference(PVOID Context)
{
    LONG n = InterlockedDecrement((PLONG)Context);
    DbgPrint("busdrv: InterfaceDereference -> %d\n", n);
}

static ULONG BusReadRegister(PVOID Context, ULONG Index)
{
    UNREFERENCED_PARAMETER(Context);
    return Index < 8 ? g_Registers[Index] : 0xFFFFFFFF;
}

static VOID BusWriteRegister(PVOID Context, ULONG Index, ULONG Value)
{
    UNREFERENCED_PARAMETER(Context);
    if (Index < 8)
        g_Registers[Index] = Value;
}

/* IoGetDeviceObjectPointer opens the device: IRP_MJ_CREATE (and IRP_MJ_CLOSE later) must succeed. */
static NTSTATUS NTAPI DispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI DispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = Irp->IoStatus.Status;
    UNREFERENCED_PARAMETER(DeviceObject);

    if (stack->MinorFunction == IRP_MN_QUERY_INTERFACE) {
        const GUID *type = stack->Parameters.QueryInterface.InterfaceType;
        if (IsEqualGUID(type, &GUID_DEMOBUS_INTERFACE)) {
            PDEMOBUS_INTERFACE out = (PDEMOBUS_INTERFACE)stack->Parameters.QueryInterface.Interface;
            if (stack->Parameters.QueryInterface.Size < sizeof(*out) ||
                stack->Parameters.QueryInterface.Version < DEMOBUS_INTERFACE_VERSION) {
                status = STATUS_INVALID_PARAMETER;
            } else {
                out->Header.Size = sizeof(*out);
                out->Header.Version = DEMOBUS_INTERFACE_VERSION;
                out->Header.Context = &g_References;
                out->Header.InterfaceReference = BusReference;
                out->Header.InterfaceDereference = BusDereference;
                out->ReadRegister = BusReadRegister;
                out->WriteRegister = BusWriteRegister;
                out->Header.InterfaceReference(out->Header.Context);
                status = STATUS_SUCCESS;
            }
        } else {
            DbgPrint("busdrv: IRP_MN_QUERY_INTERFACE for an unknown interface: left as 0x%08X\n", status);
        }
    }
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static VOID NTAPI BusUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    IoDeleteDevice(g_Device);
    DbgPrint("busdrv: DriverUnload (%d references outstanding)\n", g_References);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    RtlInitUnicodeString(&name, DEMOBUS_DEVICE_NAME);
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_BUS_EXTENDER, 0, FALSE, &g_Device);
    if (!NT_SUCCESS(status))
        return status;
    g_Registers[0] = 0x1234;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = DispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = DispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_PNP] = DispatchPnp;
    DriverObject->DriverUnload = BusUnload;
    return STATUS_SUCCESS;
}
