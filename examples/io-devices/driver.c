/*
 * driver.c — DriverEntry, DriverUnload and the create/cleanup/close dispatch routines of the
 * KmdllIo devices.
 */
#include "kio.h"

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD KioUnload;
static DRIVER_DISPATCH KioCreate;
static DRIVER_DISPATCH KioCleanup;
static DRIVER_DISPATCH KioClose;

static const struct {
    PCWSTR Device;
    PCWSTR Link;
    ULONG Flags;
} KioDevices[] = {
    { L"\\Device\\KmdllIoBuf", L"\\DosDevices\\KmdllIoBuf", DO_BUFFERED_IO },
    { L"\\Device\\KmdllIoDirect", L"\\??\\KmdllIoDirect", DO_DIRECT_IO },
    { L"\\Device\\KmdllIoNeither", L"\\DosDevices\\Global\\KmdllIoNeither", 0 },
};
#define KIO_DEVICES (sizeof(KioDevices) / sizeof(KioDevices[0]))

NTSTATUS KioComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* ntifs.h (this driver includes ntddk.h only). */
NTKERNELAPI PEPROCESS NTAPI IoGetRequestorProcess(PIRP Irp);
NTKERNELAPI ULONG NTAPI IoGetRequestorProcessId(PIRP Irp);

static NTSTATUS KioCreate(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PKIO_DEVICE dx = (PKIO_DEVICE)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);

    /* The requester is the process of the thread that sent the IRP: here the caller's own. */
    if (IoGetRequestorProcess(Irp) != IoGetCurrentProcess() || IoGetRequestorProcessId(Irp) != HandleToULong(PsGetCurrentProcessId()))
        return KioComplete(Irp, STATUS_ACCESS_DENIED, 0);
    dx->Opens++;
    dx->LastFileNameLength = sp->FileObject->FileName.Length;
    dx->LastDesiredAccess = sp->Parameters.Create.SecurityContext->DesiredAccess;
    /* A name below the device (\\.\KmdllIoBuf\sub) is not something this device has. */
    if (sp->FileObject->FileName.Length > sizeof(WCHAR) * 8)
        return KioComplete(Irp, STATUS_OBJECT_NAME_NOT_FOUND, 0);
    return KioComplete(Irp, STATUS_SUCCESS, FILE_OPENED);
}

static NTSTATUS KioCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PKIO_DEVICE dx = (PKIO_DEVICE)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    UNICODE_STRING refuse = RTL_CONSTANT_STRING(L"\\refuse");

    dx->Cleanups++;
    /* Some real drivers complete every request they do not know, cleanup included, with an error. */
    if (RtlEqualUnicodeString(&sp->FileObject->FileName, &refuse, TRUE))
        return KioComplete(Irp, STATUS_NOT_IMPLEMENTED, 0);
    return KioComplete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS KioClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return KioComplete(Irp, STATUS_SUCCESS, 0);
}

static VOID KioUnload(PDRIVER_OBJECT DriverObject)
{
    ULONG i;
    UNICODE_STRING link;

    for (i = 0; i < KIO_DEVICES; i++) {
        RtlInitUnicodeString(&link, KioDevices[i].Link);
        IoDeleteSymbolicLink(&link);
    }
    while (DriverObject->DeviceObject != NULL)
        IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG i;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = KioUnload;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = KioCreate;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = KioCleanup;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = KioClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = KioRead;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = KioWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = KioDeviceControl;

    for (i = 0; i < KIO_DEVICES; i++) {
        UNICODE_STRING name, link;
        PDEVICE_OBJECT device;

        RtlInitUnicodeString(&name, KioDevices[i].Device);
        RtlInitUnicodeString(&link, KioDevices[i].Link);
        status = IoCreateDevice(DriverObject, sizeof(KIO_DEVICE), &name, FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, FALSE, &device);
        if (!NT_SUCCESS(status))
            goto fail;
        RtlZeroMemory(device->DeviceExtension, sizeof(KIO_DEVICE));
        device->Flags |= KioDevices[i].Flags;
        status = IoCreateSymbolicLink(&link, &name);
        if (!NT_SUCCESS(status))
            goto fail;
    }
    return STATUS_SUCCESS;

fail:
    KioUnload(DriverObject);
    return status;
}
