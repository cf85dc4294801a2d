/* pnpbus: DriverEntry, AddDevice, the dispatch routines that route to the FDO or a PDO. */
#include "bus.h"

static NTSTATUS NTAPI BusDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PBUS_COMMON common = (PBUS_COMMON)DeviceObject->DeviceExtension;
    return common->IsFdo ? BusFdoPnp((PFDO_EXTENSION)common, Irp) : BusPdoPnp((PPDO_EXTENSION)common, Irp);
}

static NTSTATUS NTAPI BusDispatchPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PBUS_COMMON common = (PBUS_COMMON)DeviceObject->DeviceExtension;
    if (!common->IsFdo)
        return BusPdoPower((PPDO_EXTENSION)common, Irp);
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(((PFDO_EXTENSION)common)->Lower, Irp);
}

static NTSTATUS NTAPI BusDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI BusAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    PFDO_EXTENSION fdx;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(FDO_EXTENSION), NULL, FILE_DEVICE_BUS_EXTENDER, FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    fdx = (PFDO_EXTENSION)fdo->DeviceExtension;
    RtlZeroMemory(fdx, sizeof(*fdx));
    fdx->Common.IsFdo = TRUE;
    fdx->Common.Self = fdo;
    fdx->Pdo = Pdo;
    fdx->Registers[PNPDEMO_REG_SIGNATURE] = PNPDEMO_SIGNATURE;
    fdx->Lower = IoAttachDeviceToDeviceStack(fdo, Pdo);
    if (fdx->Lower == NULL) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    fdo->Flags |= DO_POWER_PAGABLE;
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    DbgPrint("pnpbus: AddDevice\n");
    return STATUS_SUCCESS;
}

static VOID NTAPI BusUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("pnpbus: DriverUnload\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BusDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BusDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_PNP] = BusDispatchPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = BusDispatchPower;
    DriverObject->DriverExtension->AddDevice = BusAddDevice;
    DriverObject->DriverUnload = BusUnload;
    return STATUS_SUCCESS;
}
