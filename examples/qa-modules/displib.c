/*
 * What the WDK's static library displib.lib does for a WDDM display miniport's DriverEntry
 * (Learn: "DxgkInitialize function (dispmprt.h)"; Qualcomm's qcdxkm*.sys link it): make sure the
 * port driver dxgkrnl.sys is loaded (ZwLoadDriver on its service key: STATUS_IMAGE_ALREADY_LOADED
 * on a booted system), ask its device \Device\DxgKrnl for the port's own initialization routine
 * with the internal IOCTL IOCTL_VIDEO_DDI_FUNC_REGISTER (METHOD_NEITHER: the output buffer
 * receives the pointer) and hand it the miniport's DRIVER_INITIALIZATION_DATA. Like the WDK's
 * displib (and ReactOS's), it keeps the file object of \Device\DxgKrnl referenced afterwards.
 */
#include "qamodules.h"

static PFILE_OBJECT DxgkrnlFile;

NTSTATUS QaDxgkrnlRequest(ULONG Code, PVOID Out, ULONG OutLength, PFILE_OBJECT *Keep)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\DxgKrnl");
    PFILE_OBJECT file;
    PDEVICE_OBJECT device;
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    NTSTATUS status = IoGetDeviceObjectPointer(&name, FILE_ALL_ACCESS, &file, &device);
    if (!NT_SUCCESS(status))
        return status;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildDeviceIoControlRequest(Code, device, NULL, 0, Out, OutLength, TRUE, &event, &iosb);
    if (irp == NULL) {
        ObDereferenceObject(file);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = IoCallDriver(device, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    if (Keep != NULL && NT_SUCCESS(status))
        *Keep = file;
    else
        ObDereferenceObject(file);
    return status;
}

NTSTATUS QaDxgkInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath, PQA_DRIVER_INITIALIZATION_DATA Data)
{
    UNICODE_STRING service = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\DXGKrnl");
    PQA_DXGK_INITIALIZE port = NULL;
    NTSTATUS status = ZwLoadDriver(&service);
    if (!NT_SUCCESS(status) && status != STATUS_IMAGE_ALREADY_LOADED)
        return status;
    /* As displib does, the file object stays referenced for the miniport's life (dxgkrnl is never unloaded). */
    status = QaDxgkrnlRequest(QA_IOCTL_VIDEO_DDI_FUNC_REGISTER, &port, sizeof(port), &DxgkrnlFile);
    if (!NT_SUCCESS(status))
        return status;
    if (port == NULL)
        return STATUS_UNSUCCESSFUL;
    return port(DriverObject, RegistryPath, Data);
}
