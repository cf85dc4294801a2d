/*
 * portlib.sys — a port-style EXPORT driver. It exports one routine, PortInitialize, which
 * creates the calling (miniport) driver's device and fills the caller's MajorFunction table
 * with portlib's own UNEXPORTED dispatch routines. IOCTLs sent to the miniport's device run
 * here and call back into the miniport for the device-specific part.
 */
#include <ntddk.h>
#include "../include/portlib.h"

typedef struct _PORT_EXTENSION {
    PORT_MINIPORT_CALLBACKS Callbacks;
    ULONG IoctlCount;
} PORT_EXTENSION, *PPORT_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("portlib: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("portlib: DllUnload\n");
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI PortCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI PortDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PPORT_EXTENSION ext = (PPORT_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG returned = 0;
    NTSTATUS status;

    ext->IoctlCount++;
    DbgPrint("portlib: PortDeviceControl(0x%08X) #%u -> miniport\n",
             stack->Parameters.DeviceIoControl.IoControlCode, ext->IoctlCount);
    /* METHOD_BUFFERED: one system buffer carries the input in and the output back. */
    status = ext->Callbacks.HandleIoctl(stack->Parameters.DeviceIoControl.IoControlCode,
                                        Irp->AssociatedIrp.SystemBuffer,
                                        stack->Parameters.DeviceIoControl.InputBufferLength,
                                        stack->Parameters.DeviceIoControl.OutputBufferLength, &returned);
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = NT_SUCCESS(status) ? returned : 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static VOID NTAPI PortUnload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("portlib: PortUnload for the miniport\n");
    while (DriverObject->DeviceObject)
        IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS NTAPI PortInitialize(PDRIVER_OBJECT DriverObject, PCWSTR DeviceName, const PORT_MINIPORT_CALLBACKS *Callbacks)
{
    UNICODE_STRING name;
    PDEVICE_OBJECT device;
    PPORT_EXTENSION ext;
    NTSTATUS status;

    if (Callbacks == NULL || Callbacks->Size < sizeof(*Callbacks) || Callbacks->HandleIoctl == NULL)
        return STATUS_INVALID_PARAMETER;
    RtlInitUnicodeString(&name, DeviceName);
    status = IoCreateDevice(DriverObject, sizeof(PORT_EXTENSION), &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (!NT_SUCCESS(status))
        return status;
    ext = (PPORT_EXTENSION)device->DeviceExtension;
    ext->Callbacks = *Callbacks;
    ext->IoctlCount = 0;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = PortCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = PortCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = PortDeviceControl;
    DriverObject->DriverUnload = PortUnload;
    device->Flags |= DO_BUFFERED_IO;
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    DbgPrint("portlib: PortInitialize created %wZ for the miniport\n", &name);
    return STATUS_SUCCESS;
}
