/*
 * apifresh.sys — IoConnectInterruptEx in its three forms. Fully specified on the control device
 * (the caller names vector, IRQL and processors); line-based and message-based on the PDO of the
 * root device devices.json gives an interrupt (IRQ 5) at IRP_MN_START_DEVICE; the activity reports
 * and IoDisconnectInterruptEx with the Version the connect returned.
 */
#include "fresh.h"

typedef struct _FRESH_EXTENSION {
    PDEVICE_OBJECT Self, Lower, Pdo;
    PKINTERRUPT Line, Fallback;
} FRESH_EXTENSION, *PFRESH_EXTENSION;

static ULONG g_IsrContext, g_SyncRuns;

static BOOLEAN NTAPI Isr(PKINTERRUPT Interrupt, PVOID Context) { UNREFERENCED_PARAMETER(Interrupt); UNREFERENCED_PARAMETER(Context); return FALSE; }
static BOOLEAN NTAPI MessageIsr(PKINTERRUPT Interrupt, PVOID Context, ULONG MessageId) { UNREFERENCED_PARAMETER(Interrupt); UNREFERENCED_PARAMETER(Context); UNREFERENCED_PARAMETER(MessageId); return FALSE; }
static BOOLEAN NTAPI Synchronized(PVOID Context)
{
    if (Context == &g_IsrContext && KeGetCurrentIrql() >= 3)
        g_SyncRuns++;
    return TRUE;
}

static VOID Report(ULONG version, PKINTERRUPT obj, BOOLEAN active)
{
    IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS r;
    r.Version = version;
    r.ConnectionContext.InterruptObject = obj;
    if (active)
        IoReportInterruptActive(&r);
    else
        IoReportInterruptInactive(&r);
}

static VOID Disconnect(ULONG version, PKINTERRUPT obj)
{
    IO_DISCONNECT_INTERRUPT_PARAMETERS d;
    d.Version = version;
    d.ConnectionContext.InterruptObject = obj;
    IoDisconnectInterruptEx(&d);
}

VOID TestInterrupts(PDEVICE_OBJECT control)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p;
    PKINTERRUPT obj = NULL;

    RtlZeroMemory(&p, sizeof(p));
    Check(IoConnectInterruptEx(&p) == STATUS_INVALID_PARAMETER_1, "Version 0: STATUS_INVALID_PARAMETER_1");
    p.Version = 9;
    Check(IoConnectInterruptEx(&p) == STATUS_INVALID_PARAMETER_1, "Version 9: STATUS_INVALID_PARAMETER_1");

    RtlZeroMemory(&p, sizeof(p));
    p.Version = CONNECT_FULLY_SPECIFIED;
    p.FullySpecified.InterruptObject = &obj;
    p.FullySpecified.ServiceRoutine = Isr;
    p.FullySpecified.ServiceContext = &g_IsrContext;
    p.FullySpecified.Vector = 0x35;
    p.FullySpecified.Irql = 3;
    p.FullySpecified.SynchronizeIrql = 3;
    p.FullySpecified.InterruptMode = LevelSensitive;
    p.FullySpecified.ProcessorEnableMask = 1;
    Check(IoConnectInterruptEx(&p) == STATUS_INVALID_PARAMETER, "fully specified without a device object: STATUS_INVALID_PARAMETER");
    p.FullySpecified.PhysicalDeviceObject = control;
    p.FullySpecified.ProcessorEnableMask = 0;
    Check(IoConnectInterruptEx(&p) == STATUS_INVALID_PARAMETER_10, "an empty ProcessorEnableMask: STATUS_INVALID_PARAMETER_10");
    p.FullySpecified.ProcessorEnableMask = 1;
    Check(IoConnectInterruptEx(&p) == STATUS_SUCCESS && obj != NULL && p.Version == CONNECT_FULLY_SPECIFIED, "fully specified connect");
    if (obj != NULL) {
        Check(KeSynchronizeExecution(obj, Synchronized, &g_IsrContext) && g_SyncRuns == 1, "KeSynchronizeExecution runs at the interrupt's IRQL");
        Report(CONNECT_FULLY_SPECIFIED, obj, FALSE);
        Report(CONNECT_FULLY_SPECIFIED, obj, TRUE);
        if (g_Mode == ModeReportBogus)
            Report(CONNECT_FULLY_SPECIFIED, (PKINTERRUPT)&g_SyncRuns, TRUE); /* not an interrupt: Windows crashes */
        Disconnect(CONNECT_FULLY_SPECIFIED, obj);
    }

    /* A device object that is no PDO with resources has no line-based interrupt. */
    RtlZeroMemory(&p, sizeof(p));
    obj = NULL;
    p.Version = CONNECT_LINE_BASED;
    p.LineBased.PhysicalDeviceObject = control;
    p.LineBased.InterruptObject = &obj;
    p.LineBased.ServiceRoutine = Isr;
    Check(IoConnectInterruptEx(&p) == STATUS_NOT_FOUND && obj == NULL, "line-based without an interrupt resource: STATUS_NOT_FOUND");
}

/* ---- the root device's function driver */

NTSTATUS NTAPI FreshAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    PFRESH_EXTENSION fx;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(FRESH_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    fx = (PFRESH_EXTENSION)fdo->DeviceExtension;
    RtlZeroMemory(fx, sizeof(*fx));
    fx->Self = fdo;
    fx->Pdo = Pdo;
    fx->Lower = IoAttachDeviceToDeviceStack(fdo, Pdo);
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI OnLowerDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS ForwardAndWait(PFRESH_EXTENSION Fx, PIRP Irp)
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

static VOID StartInterrupts(PFRESH_EXTENSION fx)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p;
    PKINTERRUPT none = NULL;

    RtlZeroMemory(&p, sizeof(p));
    p.Version = CONNECT_LINE_BASED;
    p.LineBased.PhysicalDeviceObject = fx->Pdo;
    p.LineBased.InterruptObject = &fx->Line;
    p.LineBased.ServiceRoutine = Isr;
    p.LineBased.ServiceContext = fx;
    Check(IoConnectInterruptEx(&p) == STATUS_SUCCESS && fx->Line != NULL && p.Version == CONNECT_LINE_BASED, "line-based connect on the PDO's interrupt");

    /* Message-based: no MSI on the emulated PC, so the fallback routine gets the line interrupt. */
    RtlZeroMemory(&p, sizeof(p));
    p.Version = CONNECT_MESSAGE_BASED;
    p.MessageBased.PhysicalDeviceObject = fx->Pdo;
    p.MessageBased.ConnectionContext.InterruptObject = &none;
    p.MessageBased.MessageServiceRoutine = MessageIsr;
    p.MessageBased.ServiceContext = fx;
    Check(IoConnectInterruptEx(&p) == STATUS_NOT_FOUND && none == NULL, "message-based without messages or a fallback routine fails");
    p.MessageBased.ConnectionContext.InterruptObject = &fx->Fallback;
    p.MessageBased.FallBackServiceRoutine = Isr;
    Check(IoConnectInterruptEx(&p) == STATUS_SUCCESS && fx->Fallback != NULL, "message-based connect falls back to the line");
    Check(p.Version == CONNECT_LINE_BASED, "the fallback sets Version to CONNECT_LINE_BASED");
    if (fx->Fallback != NULL) {
        Report(CONNECT_LINE_BASED, fx->Fallback, FALSE);
        Report(CONNECT_LINE_BASED, fx->Fallback, TRUE);
    }
    DbgPrint("apifresh: device started, interrupts %d %d\n", fx->Line != NULL, fx->Fallback != NULL);
}

static VOID StopInterrupts(PFRESH_EXTENSION fx)
{
    if (fx->Line != NULL)
        Disconnect(g_Mode == ModeDisconnectVersion ? CONNECT_MESSAGE_BASED : CONNECT_LINE_BASED, fx->Line);
    if (fx->Fallback != NULL)
        Disconnect(CONNECT_LINE_BASED, fx->Fallback);
    fx->Line = fx->Fallback = NULL;
}

NTSTATUS NTAPI FreshDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFRESH_EXTENSION fx = (PFRESH_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;

    if (DeviceObject == g_Control) {
        status = Irp->IoStatus.Status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    }
    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        status = ForwardAndWait(fx, Irp);
        if (NT_SUCCESS(status))
            StartInterrupts(fx);
        Irp->IoStatus.Status = status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
    case IRP_MN_SURPRISE_REMOVAL:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    case IRP_MN_REMOVE_DEVICE:
        StopInterrupts(fx);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(fx->Lower, Irp);
        IoDetachDevice(fx->Lower);
        IoDeleteDevice(fx->Self);
        DbgPrint("apifresh: device removed\n");
        return status;
    default:
        break;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(fx->Lower, Irp);
}

NTSTATUS NTAPI FreshDispatchPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFRESH_EXTENSION fx = (PFRESH_EXTENSION)DeviceObject->DeviceExtension;
    PoStartNextPowerIrp(Irp);
    if (DeviceObject == g_Control) {
        NTSTATUS status = Irp->IoStatus.Status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(fx->Lower, Irp);
}
