/*
 * driver.c — DriverEntry and the dispatch routines of the HwTool driver: \Device\HwTool with the
 * symbolic link \DosDevices\HwTool, IRP_MJ_CREATE/CLOSE and IRP_MJ_DEVICE_CONTROL.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD HwUnload;
static DRIVER_DISPATCH HwCreateClose;
static DRIVER_DISPATCH HwDeviceControl;

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS HwCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return Complete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS HwDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;
    volatile ULONG spin = 1;

    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_HWTOOL_VERSION:
        if (stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG))
            return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        *(PULONG)Irp->AssociatedIrp.SystemBuffer = 0x00010002;
        return Complete(Irp, STATUS_SUCCESS, sizeof(ULONG));
    case IOCTL_HWTOOL_MAP_PHYS:
        status = HwMapPhysical(Irp, stack);
        break;
    case IOCTL_HWTOOL_READ_PHYS:
        status = HwReadPhysical(Irp, stack);
        break;
    case IOCTL_HWTOOL_KILL:
        status = HwKillProcess(Irp, stack);
        break;
    case IOCTL_HWTOOL_MAP_MDL:
        status = HwMapMdl(Irp, stack);
        break;
    case IOCTL_HWTOOL_PEEK:
        status = HwPeek(Irp, stack);
        break;
    case IOCTL_HWTOOL_POKE:
        status = HwPoke(Irp, stack);
        break;
    case IOCTL_HWTOOL_INFO:
        status = HwInfo(Irp, stack, DeviceObject);
        break;
    case IOCTL_HWTOOL_SET_MSR:
        status = HwSetMsr(Irp, stack);
        break;
    case IOCTL_HWTOOL_SET_CR0:
        status = HwSetCr0(Irp, stack);
        break;
    case IOCTL_HWTOOL_PTE_READ:
        status = HwPteRead(Irp, stack);
        break;
    case IOCTL_HWTOOL_PORT_OUT:
        status = HwPortOut(Irp, stack);
        break;
    case IOCTL_HWTOOL_QUERY:
        status = HwQuery(Irp, stack);
        break;
    case IOCTL_HWTOOL_SPIN:
        /* A debugging leftover: waits for a flag nothing ever clears. */
        while (spin)
            ;
        status = STATUS_SUCCESS;
        break;
    default:
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
    if (status != STATUS_PENDING)
        return Complete(Irp, status, Irp->IoStatus.Information);
    return status;
}

static VOID HwUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING link;
    RtlInitUnicodeString(&link, L"\\DosDevices\\HwTool");
    IoDeleteSymbolicLink(&link);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name, link;
    PDEVICE_OBJECT device;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&name, L"\\Device\\HwTool");
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_HWTOOL, HWTOOL_CHARACTERISTICS, HWTOOL_EXCLUSIVE, &device);
    if (!NT_SUCCESS(status))
        return status;
    RtlInitUnicodeString(&link, L"\\DosDevices\\HwTool");
    status = IoCreateSymbolicLink(&link, &name);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = HwCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = HwCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = HwDeviceControl;
    DriverObject->DriverUnload = HwUnload;
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
