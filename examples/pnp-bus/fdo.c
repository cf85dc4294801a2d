/* pnpbus: PnP requests to the bus FDO: start (resources, children), bus relations, removal. */
#include "bus.h"

static NTSTATUS NTAPI OnLowerDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Send the IRP to the lower device and wait until it completes (IRP_MN_START_DEVICE goes down first). */
static NTSTATUS ForwardAndWait(PFDO_EXTENSION Fdx, PIRP Irp)
{
    KEVENT done;
    NTSTATUS status;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, OnLowerDone, &done, TRUE, TRUE, TRUE);
    status = IoCallDriver(Fdx->Lower, Irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = Irp->IoStatus.Status;
    }
    return status;
}

static VOID ReadResources(PFDO_EXTENSION Fdx, PCM_RESOURCE_LIST List)
{
    ULONG i;
    PCM_PARTIAL_RESOURCE_LIST partial;
    if (List == NULL || List->Count == 0)
        return;
    partial = &List->List[0].PartialResourceList;
    Fdx->ResourceCount = partial->Count;
    for (i = 0; i < partial->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &partial->PartialDescriptors[i];
        if (d->Type == CmResourceTypePort && Fdx->Registers[PNPDEMO_REG_PORT] == 0)
            Fdx->Registers[PNPDEMO_REG_PORT] = d->u.Port.Start.LowPart;
        else if (d->Type == CmResourceTypeInterrupt)
            Fdx->Registers[PNPDEMO_REG_VECTOR] = d->u.Interrupt.Vector;
    }
}

/* IRP_MN_QUERY_ID of one BUS_QUERY_ID_TYPE sent to the PDO itself (the root enumerator answers it,
   as drivers that read their instance ID do); the answer is printed, then freed as the caller must. */
static VOID QueryPdoId(PFDO_EXTENSION Fdx, BUS_QUERY_ID_TYPE Type)
{
    KEVENT done;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    PIO_STACK_LOCATION next;
    NTSTATUS status;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_PNP, Fdx->Pdo, NULL, 0, NULL, &done, &iosb);
    if (irp == NULL)
        return;
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED; /* every PnP IRP starts so */
    next = IoGetNextIrpStackLocation(irp);
    next->MinorFunction = IRP_MN_QUERY_ID;
    next->Parameters.QueryId.IdType = Type;
    status = IoCallDriver(Fdx->Pdo, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    if (NT_SUCCESS(status) && iosb.Information != 0) {
        DbgPrint("pnpbus: PDO ID %d: %ws\n", (int)Type, (PCWSTR)iosb.Information);
        ExFreePool((PVOID)iosb.Information);
    } else {
        DbgPrint("pnpbus: PDO ID %d: 0x%08x\n", (int)Type, status);
    }
}

static NTSTATUS ReportChildren(PFDO_EXTENSION Fdx, PIRP Irp)
{
    ULONG i, n = 0;
    PDEVICE_RELATIONS relations;
    for (i = 0; i < BUS_CHILDREN; i++)
        if (Fdx->Children[i] != NULL)
            n++;
    relations = (PDEVICE_RELATIONS)ExAllocatePoolWithTag(PagedPool, sizeof(DEVICE_RELATIONS) + n * sizeof(PDEVICE_OBJECT), BUS_TAG);
    if (relations == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    relations->Count = 0;
    for (i = 0; i < BUS_CHILDREN; i++) {
        if (Fdx->Children[i] != NULL) {
            /* The PnP manager owns one reference on each PDO it is given. */
            ObReferenceObject(Fdx->Children[i]);
            relations->Objects[relations->Count++] = Fdx->Children[i];
        }
    }
    Irp->IoStatus.Information = (ULONG_PTR)relations;
    return STATUS_SUCCESS;
}

NTSTATUS BusFdoPnp(PFDO_EXTENSION Fdx, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;
    ULONG i;

    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        status = ForwardAndWait(Fdx, Irp);
        if (NT_SUCCESS(status)) {
            ReadResources(Fdx, stack->Parameters.StartDevice.AllocatedResourcesTranslated);
            DbgPrint("pnpbus: started with %u resource(s), port 0x%x, vector 0x%x\n", Fdx->ResourceCount, Fdx->Registers[PNPDEMO_REG_PORT], Fdx->Registers[PNPDEMO_REG_VECTOR]);
            QueryPdoId(Fdx, BusQueryDeviceID);
            QueryPdoId(Fdx, BusQueryInstanceID);
            QueryPdoId(Fdx, BusQueryHardwareIDs);
            QueryPdoId(Fdx, BusQueryDeviceSerialNumber);
            status = BusCreateChildren(Fdx);
            if (NT_SUCCESS(status))
                IoInvalidateDeviceRelations(Fdx->Pdo, BusRelations);
        }
        Irp->IoStatus.Status = status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        if (stack->Parameters.QueryDeviceRelations.Type == BusRelations) {
            status = ReportChildren(Fdx, Irp);
            if (!NT_SUCCESS(status)) {
                Irp->IoStatus.Status = status;
                IoCompleteRequest(Irp, IO_NO_INCREMENT);
                return status;
            }
            Irp->IoStatus.Status = STATUS_SUCCESS;
        }
        break;
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    case IRP_MN_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(Fdx->Lower, Irp);
        /* The children were removed first; their PDOs go with the bus. */
        for (i = 0; i < BUS_CHILDREN; i++) {
            if (Fdx->Children[i] != NULL) {
                IoDeleteDevice(Fdx->Children[i]);
                Fdx->Children[i] = NULL;
            }
        }
        DbgPrint("pnpbus: removed (%d interface reference(s) outstanding)\n", Fdx->InterfaceReferences);
        IoDetachDevice(Fdx->Lower);
        IoDeleteDevice(Fdx->Common.Self);
        return status;
    default:
        break;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Fdx->Lower, Irp);
}
