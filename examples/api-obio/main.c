/*
 * apiobio.sys — DriverEntry makes \Device\ApiObIo with the link \??\ApiObIo and serves
 * IRP_MJ_CREATE / CLEANUP / CLOSE / READ / WRITE / DEVICE_CONTROL / FILE_SYSTEM_CONTROL, so that the tests can
 * open their own device by name and send it control requests; the tests are in the other files.
 */
#include "apiobio.h"

PDEVICE_OBJECT g_Device;
PDRIVER_OBJECT g_Driver;
ULONG g_Creates, g_Cleanups, g_Closes, g_LastIoctl, g_LastFsctl;
UCHAR g_LastWrite[8];
LONGLONG g_LastOffset;
WCHAR g_LastCreateChars[64];
UNICODE_STRING g_LastCreateName = { 0, sizeof(g_LastCreateChars), g_LastCreateChars };

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS NTAPI Dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(Irp);
    UNREFERENCED_PARAMETER(DeviceObject);
    switch (sl->MajorFunction) {
    case IRP_MJ_CREATE:
        g_Creates++;
        RtlCopyUnicodeString(&g_LastCreateName, &sl->FileObject->FileName);
        return Complete(Irp, STATUS_SUCCESS, FILE_OPENED);
    case IRP_MJ_CLEANUP:
        g_Cleanups++;
        return Complete(Irp, STATUS_SUCCESS, 0);
    case IRP_MJ_CLOSE:
        g_Closes++;
        return Complete(Irp, STATUS_SUCCESS, 0);
    case IRP_MJ_READ: {
        /* DO_BUFFERED_IO: fill the system buffer with 'R'. */
        ULONG n = sl->Parameters.Read.Length;
        RtlFillMemory(Irp->AssociatedIrp.SystemBuffer, n, 'R');
        g_LastOffset = sl->Parameters.Read.ByteOffset.QuadPart;
        return Complete(Irp, STATUS_SUCCESS, n);
    }
    case IRP_MJ_WRITE: {
        ULONG n = sl->Parameters.Write.Length;
        RtlCopyMemory(g_LastWrite, Irp->AssociatedIrp.SystemBuffer, n < sizeof(g_LastWrite) ? n : sizeof(g_LastWrite));
        g_LastOffset = sl->Parameters.Write.ByteOffset.QuadPart;
        return Complete(Irp, STATUS_SUCCESS, n);
    }
    case IRP_MJ_DEVICE_CONTROL:
        g_LastIoctl = sl->Parameters.DeviceIoControl.IoControlCode;
        if (g_LastIoctl == IOCTL_OBIO_ECHO) {
            /* METHOD_BUFFERED: the input is in the system buffer; echo it reversed. */
            ULONG n = sl->Parameters.DeviceIoControl.InputBufferLength, i;
            PUCHAR b = (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
            if (sl->Parameters.DeviceIoControl.OutputBufferLength < n) return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
            for (i = 0; i < n / 2; i++) { UCHAR t = b[i]; b[i] = b[n - 1 - i]; b[n - 1 - i] = t; }
            return Complete(Irp, STATUS_SUCCESS, n);
        }
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    case IRP_MJ_FILE_SYSTEM_CONTROL:
        g_LastFsctl = sl->Parameters.FileSystemControl.FsControlCode;
        return Complete(Irp, sl->MinorFunction == IRP_MN_USER_FS_REQUEST ? STATUS_SUCCESS : STATUS_INVALID_DEVICE_REQUEST, 0);
    default:
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING link;
    UNREFERENCED_PARAMETER(DriverObject);
    RtlInitUnicodeString(&link, L"\\??\\ApiObIo");
    IoDeleteSymbolicLink(&link);
    if (g_Device) IoDeleteDevice(g_Device);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name, link;
    NTSTATUS st;
    ULONG i;
    UNREFERENCED_PARAMETER(RegistryPath);
    g_Driver = DriverObject;
    RtlInitUnicodeString(&name, L"\\Device\\ApiObIo");
    RtlInitUnicodeString(&link, L"\\??\\ApiObIo");
    st = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Device);
    if (!NT_SUCCESS(st)) return st;
    g_Device->Flags |= DO_BUFFERED_IO;
    g_Device->Flags &= ~DO_DEVICE_INITIALIZING;
    for (i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) DriverObject->MajorFunction[i] = Dispatch;
    DriverObject->DriverUnload = Unload;
    return IoCreateSymbolicLink(&link, &name);
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}
