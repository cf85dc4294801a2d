#include "gzdrv_private.h"

static PDEVICE_OBJECT GzDevice;

VOID GzUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING link;
    UNREFERENCED_PARAMETER(DriverObject);
    RtlInitUnicodeString(&link, GZ_LINK_NAME);
    IoDeleteSymbolicLink(&link);
    IoDeleteDevice(GzDevice);
    DbgPrint("gzdrv: unloaded (gzlib counted %ld sums)\n", GzCallCount());
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name, link;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    RtlInitUnicodeString(&name, GZ_DEVICE_NAME);
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &GzDevice);
    if (!NT_SUCCESS(status))
        return status;
    RtlInitUnicodeString(&link, GZ_LINK_NAME);
    status = IoCreateSymbolicLink(&link, &name);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(GzDevice);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GzDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GzDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = GzDispatchIoctl;
    DriverObject->DriverUnload = GzUnload;
    DbgPrint("gzdrv: DriverEntry: GzSum(40, 2) = %lu, GzTwice(21) = %lu\n", GzSum(40, 2), GzTwice(21));
    return STATUS_SUCCESS;
}
