/*
 * driver.c — DriverEntry, the device and the dispatch routines of bad-service-exports.sys.
 */
#include "svcx.h"

SVCX_STATE g_SvcX;

NTSTATUS SvcXCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    UNREFERENCED_PARAMETER(DeviceObject);
    if (sp->MajorFunction == IRP_MJ_CREATE)
        InterlockedIncrement(&g_SvcX.OpenCount);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID SvcXUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    if (g_SvcX.Device != NULL)
        IoDeleteDevice(g_SvcX.Device);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    RtlInitUnicodeString(&name, SVCX_DEVICE_NAME);
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_SvcX.Device);
    if (!NT_SUCCESS(status))
        return status;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = SvcXCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = SvcXCreateClose;
    DriverObject->DriverUnload = SvcXUnload;
    return STATUS_SUCCESS;
}
