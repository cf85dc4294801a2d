/* pnpfunc: open/close and the two IOCTLs (a bus register through the interface; counters). */
#include "func.h"

/* How many enabled interfaces of our class IoGetDeviceInterfaces lists (a MULTI_SZ we free). */
static ULONG CountInterfaces(VOID)
{
    PWSTR list = NULL, p;
    ULONG n = 0;
    if (!NT_SUCCESS(IoGetDeviceInterfaces(&GUID_DEVINTERFACE_PNPDEMO_WDM, NULL, 0, &list)) || list == NULL)
        return 0xFFFFFFFF;
    for (p = list; *p != L'\0'; p += wcslen(p) + 1)
        n++;
    ExFreePool(list);
    return n;
}

NTSTATUS NTAPI FuncDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI FuncDispatchIoctl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFUNC_EXTENSION fx = (PFUNC_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    PULONG buffer = (PULONG)Irp->AssociatedIrp.SystemBuffer;
    ULONG inLen = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG outLen = stack->Parameters.DeviceIoControl.OutputBufferLength;
    NTSTATUS status = STATUS_INVALID_DEVICE_REQUEST;
    ULONG_PTR info = 0;

    InterlockedIncrement(&fx->Requests);
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_PNPDEMO_READ_REGISTER:
        if (inLen < sizeof(ULONG) || outLen < sizeof(ULONG)) {
            status = STATUS_BUFFER_TOO_SMALL;
        } else if (!fx->HaveBus) {
            status = STATUS_DEVICE_NOT_READY;
        } else {
            buffer[0] = fx->Bus.ReadRegister(fx->Bus.Header.Context, buffer[0]);
            info = sizeof(ULONG);
            status = STATUS_SUCCESS;
        }
        break;
    case IOCTL_PNPDEMO_GET_INFO:
        if (outLen < 3 * sizeof(ULONG)) {
            status = STATUS_BUFFER_TOO_SMALL;
        } else {
            buffer[0] = (ULONG)fx->Requests;
            buffer[1] = (ULONG)FuncArrivals;
            buffer[2] = CountInterfaces();
            info = 3 * sizeof(ULONG);
            status = STATUS_SUCCESS;
        }
        break;
    default:
        break;
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = info;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}
