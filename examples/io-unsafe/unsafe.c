/* unsafe.c — \Device\KmdllIoUnsafe (link \DosDevices\KmdllIoUnsafe) and its dispatch routines. */
#include "unsafe.h"

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD UnsafeUnload;
static DRIVER_DISPATCH UnsafeOpenClose;
static DRIVER_DISPATCH UnsafeControl;

static NTSTATUS UnsafeOpenClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS UnsafeControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_INVALID_DEVICE_REQUEST;

    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Information = 0;
    if (sp->Parameters.DeviceIoControl.IoControlCode == IOCTL_KIO_UNSAFE_COPY)
        status = UnsafeCopy(Irp, sp);
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static VOID UnsafeUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\DosDevices\\KmdllIoUnsafe");
    IoDeleteSymbolicLink(&link);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\KmdllIoUnsafe");
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\DosDevices\\KmdllIoUnsafe");
    PDEVICE_OBJECT device;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(RegistryPath);
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (!NT_SUCCESS(status))
        return status;
    status = IoCreateSymbolicLink(&link, &name);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = UnsafeOpenClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = UnsafeOpenClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = UnsafeControl;
    DriverObject->DriverUnload = UnsafeUnload;
    return STATUS_SUCCESS;
}
