/* The dispatch routines (declared DRIVER_DISPATCH in gzdrv_private.h, which this file does not include). */
#include <ntddk.h>
#include <gzcommon.h>

NTSTATUS GzDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS GzDispatchIoctl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_INVALID_DEVICE_REQUEST;
    ULONG_PTR info = 0;
    UNREFERENCED_PARAMETER(DeviceObject);

    if (sp->Parameters.DeviceIoControl.IoControlCode == IOCTL_GZ_SUM3) {
        PULONG buf = (PULONG)Irp->AssociatedIrp.SystemBuffer;
        if (sp->Parameters.DeviceIoControl.InputBufferLength < 3 * sizeof(ULONG) ||
            sp->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG)) {
            status = STATUS_BUFFER_TOO_SMALL;
        } else {
            ULONG sum = GzSum3(buf[0], buf[1], buf[2]);
            DbgPrint("gzdrv: GzSum3(%lu, %lu, %lu) = %lu\n", buf[0], buf[1], buf[2], sum);
            buf[0] = sum;
            info = sizeof(ULONG);
            status = STATUS_SUCCESS;
        }
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = info;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}
