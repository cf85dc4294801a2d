/* pnpfunc: PnP and power requests: start (bus interface, device interface on), removal. */
#include "func.h"

static NTSTATUS NTAPI OnLowerDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS ForwardAndWait(PFUNC_EXTENSION Fx, PIRP Irp)
{
    KEVENT done;
    NTSTATUS status;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, OnLowerDone, &done, TRUE, TRUE, TRUE);
    status = IoCallDriver(Fx->Lower, Irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = Irp->IoStatus.Status;
    }
    return status;
}

/* IRP_MN_QUERY_INTERFACE down our stack for the bus's register interface. */
static NTSTATUS QueryBusInterface(PFUNC_EXTENSION Fx)
{
    KEVENT done;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    PIO_STACK_LOCATION next;
    NTSTATUS status;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_PNP, Fx->Lower, NULL, 0, NULL, &done, &iosb);
    if (irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    next = IoGetNextIrpStackLocation(irp);
    next->MinorFunction = IRP_MN_QUERY_INTERFACE;
    next->Parameters.QueryInterface.InterfaceType = &GUID_PNPDEMO_BUS_INTERFACE;
    next->Parameters.QueryInterface.Size = sizeof(Fx->Bus);
    next->Parameters.QueryInterface.Version = PNPDEMO_BUS_INTERFACE_VERSION;
    next->Parameters.QueryInterface.Interface = (PINTERFACE)&Fx->Bus;
    next->Parameters.QueryInterface.InterfaceSpecificData = NULL;
    status = IoCallDriver(Fx->Lower, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    return status;
}

NTSTATUS NTAPI FuncDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFUNC_EXTENSION fx = (PFUNC_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;

    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        status = ForwardAndWait(fx, Irp);
        if (NT_SUCCESS(status)) {
            status = QueryBusInterface(fx);
            fx->HaveBus = NT_SUCCESS(status);
            if (fx->HaveBus)
                DbgPrint("pnpfunc: started on bus child %u, signature 0x%08x\n", fx->Bus.ChildIndex, fx->Bus.ReadRegister(fx->Bus.Header.Context, PNPDEMO_REG_SIGNATURE));
            else
                DbgPrint("pnpfunc: no bus interface (0x%08x)\n", status);
            status = IoSetDeviceInterfaceState(&fx->InterfaceName, TRUE);
        }
        Irp->IoStatus.Status = status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    case IRP_MN_REMOVE_DEVICE:
        IoSetDeviceInterfaceState(&fx->InterfaceName, FALSE);
        RtlFreeUnicodeString(&fx->InterfaceName);
        if (fx->HaveBus) {
            fx->Bus.Header.InterfaceDereference(fx->Bus.Header.Context);
            fx->HaveBus = FALSE;
        }
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(fx->Lower, Irp);
        IoDetachDevice(fx->Lower);
        IoDeleteDevice(fx->Self);
        DbgPrint("pnpfunc: removed\n");
        return status;
    default:
        break;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(fx->Lower, Irp);
}

NTSTATUS NTAPI FuncDispatchPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFUNC_EXTENSION fx = (PFUNC_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    if (stack->MinorFunction == IRP_MN_SET_POWER && stack->Parameters.Power.Type == DevicePowerState)
        DbgPrint("pnpfunc: power D%d\n", stack->Parameters.Power.State.DeviceState - 1);
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(fx->Lower, Irp);
}
