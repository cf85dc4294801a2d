/*
 * legacy.sys - the FDO's PnP, power and I/O dispatch (see legacy.h).
 */
#include "legacy.h"

/* The translated resources of IRP_MN_START_DEVICE, kept for IOCTL_LEGACY_STATE. */
static VOID
LegacyReadResources(PLEGACY_EXTENSION ext, PCM_RESOURCE_LIST list)
{
    PCM_PARTIAL_RESOURCE_LIST partial;
    ULONG i;

    if (list == NULL || list->Count == 0)
        return;
    partial = &list->List[0].PartialResourceList;
    ext->State.ResourceCount = partial->Count;
    for (i = 0; i < partial->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &partial->PartialDescriptors[i];
        if (d->Type == CmResourceTypePort)
            ext->State.Port = d->u.Port.Start.LowPart;
        else if (d->Type == CmResourceTypeInterrupt)
            ext->State.Vector = d->u.Interrupt.Vector;
    }
}

NTSTATUS
LegacyDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLEGACY_EXTENSION ext = (PLEGACY_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(Irp);
    PDEVICE_OBJECT lower = ext->Lower;
    NTSTATUS status;

    if (ext->IsPdo)
        return LegacyChildDispatch(DeviceObject, Irp);
    if (sl->MajorFunction != IRP_MJ_PNP) {
        Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    switch (sl->MinorFunction) {
    case IRP_MN_START_DEVICE:
        ext->State.StartCount++;
        LegacyReadResources(ext, sl->Parameters.StartDevice.AllocatedResourcesTranslated);
        break;
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        if (sl->Parameters.QueryDeviceRelations.Type == BusRelations) {
            PDEVICE_RELATIONS rel;

            if (ext->Child == NULL && !NT_SUCCESS(LegacyCreateChild(ext)))
                break;
            rel = (PDEVICE_RELATIONS)ExAllocatePoolWithTag(PagedPool, sizeof(DEVICE_RELATIONS), LEGACY_TAG);
            if (rel == NULL)
                break;
            /* The PnP manager releases the reference each reported PDO carries. */
            rel->Count = 1;
            rel->Objects[0] = ext->Child;
            ObReferenceObject(ext->Child);
            Irp->IoStatus.Information = (ULONG_PTR)rel;
            Irp->IoStatus.Status = STATUS_SUCCESS;
        }
        break;
    case IRP_MN_REMOVE_DEVICE:
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(lower, Irp);
        LEGACY_TRACE("removing, %u start(s), %u power IRP(s)", ext->State.StartCount, ext->State.PowerIrps);
        /* The child got its own remove IRP first; a bus deletes the PDOs it still has now. */
        if (ext->Child != NULL) {
            IoDeleteDevice(ext->Child);
            ext->Child = NULL;
        }
        IoDeleteSymbolicLink(&LegacyLinkName);
        IoDetachDevice(lower);
        IoDeleteDevice(DeviceObject);
        return status;
    default:
        break;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(lower, Irp);
}

NTSTATUS
LegacyDispatchPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLEGACY_EXTENSION ext = (PLEGACY_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(Irp);

    if (ext->IsPdo)
        return LegacyChildDispatch(DeviceObject, Irp);
    ext->State.PowerIrps++;
    if (sl->MinorFunction == IRP_MN_SET_POWER && sl->Parameters.Power.Type == DevicePowerState &&
        sl->Parameters.Power.State.DeviceState == PowerDeviceD0)
        ext->State.PowerD0++;
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(ext->Lower, Irp);
}

NTSTATUS
LegacyDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS
LegacyCopyState(PLEGACY_EXTENSION Ext, PVOID Buffer, ULONG Length)
{
    if (Buffer == NULL || Length < sizeof(LEGACY_STATE))
        return STATUS_BUFFER_TOO_SMALL;
    RtlCopyMemory(Buffer, &Ext->State, sizeof(LEGACY_STATE));
    return STATUS_SUCCESS;
}

NTSTATUS
LegacyDispatchIoctl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLEGACY_EXTENSION ext = (PLEGACY_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_INVALID_DEVICE_REQUEST;

    Irp->IoStatus.Information = 0;
    if (!ext->IsPdo && sl->Parameters.DeviceIoControl.IoControlCode == IOCTL_LEGACY_STATE) {
        status = LegacyCopyState(ext, Irp->AssociatedIrp.SystemBuffer, sl->Parameters.DeviceIoControl.OutputBufferLength);
        if (NT_SUCCESS(status))
            Irp->IoStatus.Information = sizeof(LEGACY_STATE);
    }
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}
