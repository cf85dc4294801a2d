/*
 * I/O verification: what a dispatch routine does with the IRP it was given. Started as a service
 * (kmdll sim start:vfrules), DriverEntry installs VfDispatch; each export creates an unnamed
 * device, sends it a METHOD_BUFFERED IOCTL built with IoBuildDeviceIoControlRequest, and
 * deletes the device. g_Mode says how the dispatch routine misbehaves (or not).
 * Rules: irp-complete-pending, pending-not-marked, status-mismatch, irp-information-too-large,
 * irp-freed, complete-with-cancel-routine, cancel-routine-after-complete, call-with-cancel-routine,
 * critical-region-on-return (in a dispatch routine).
 */
#include "vfrules.h"

#define IOCTL_VF CTL_CODE(0x8000, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define OUT_LEN 16

enum {
    MODE_COMPLETE,            /* complete with STATUS_SUCCESS, return it */
    MODE_COMPLETE_PENDING,    /* complete with IoStatus.Status = STATUS_PENDING */
    MODE_PENDING_UNMARKED,    /* return STATUS_PENDING without IoMarkIrpPending */
    MODE_PENDING_MARKED,      /* IoMarkIrpPending, return STATUS_PENDING */
    MODE_STATUS_MISMATCH,     /* complete with STATUS_SUCCESS, return STATUS_UNSUCCESSFUL */
    MODE_INFO_TOO_LARGE,      /* Information larger than the output buffer */
    MODE_CANCEL_LEFT_SET,     /* complete with the cancel routine still set */
    MODE_CANCEL_CLEARED,      /* set a cancel routine, clear it, complete */
    MODE_CANCEL_AFTER,        /* complete, then set a cancel routine on the completed IRP */
    MODE_REGION_LEFT,         /* KeEnterCriticalRegion without KeLeaveCriticalRegion */
    MODE_REGION_BALANCED      /* KeEnterCriticalRegion ... KeLeaveCriticalRegion */
};

static VOID NTAPI VfCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

PDRIVER_OBJECT g_Driver;
static LONG g_Mode;
static PIRP g_Held;

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

NTSTATUS VfDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION s = IoGetCurrentIrpStackLocation(Irp);
    ULONG outLen = s->Parameters.DeviceIoControl.OutputBufferLength;
    UNREFERENCED_PARAMETER(DeviceObject);
    switch (g_Mode) {
    case MODE_COMPLETE_PENDING:
        Complete(Irp, STATUS_PENDING, 0);
        return STATUS_PENDING;
    case MODE_PENDING_UNMARKED:
        g_Held = Irp;
        return STATUS_PENDING;
    case MODE_PENDING_MARKED:
        IoMarkIrpPending(Irp);
        g_Held = Irp;
        return STATUS_PENDING;
    case MODE_STATUS_MISMATCH:
        Complete(Irp, STATUS_SUCCESS, 0);
        return STATUS_UNSUCCESSFUL;
    case MODE_INFO_TOO_LARGE:
        return Complete(Irp, STATUS_SUCCESS, outLen + 48);
    case MODE_CANCEL_LEFT_SET:
        IoSetCancelRoutine(Irp, VfCancel);
        return Complete(Irp, STATUS_SUCCESS, outLen);
    case MODE_CANCEL_CLEARED:
        IoSetCancelRoutine(Irp, VfCancel);
        IoSetCancelRoutine(Irp, NULL);
        return Complete(Irp, STATUS_SUCCESS, outLen);
    case MODE_CANCEL_AFTER:
        Complete(Irp, STATUS_SUCCESS, outLen);
        IoSetCancelRoutine(Irp, VfCancel);
        return STATUS_SUCCESS;
    case MODE_REGION_LEFT:
        KeEnterCriticalRegion();
        return Complete(Irp, STATUS_SUCCESS, outLen);
    case MODE_REGION_BALANCED:
        KeEnterCriticalRegion();
        KeLeaveCriticalRegion();
        return Complete(Irp, STATUS_SUCCESS, outLen);
    default:
        return Complete(Irp, STATUS_SUCCESS, outLen);
    }
}

/* Send one IOCTL to a fresh device with the dispatch routine in `Mode`; a pended IRP is completed
 * afterwards, as a device would. Returns the status the caller finally sees, or -1. */
static LONG64 SendIoctl(LONG Mode)
{
    PDEVICE_OBJECT dev;
    UCHAR in[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    UCHAR out[OUT_LEN];
    KEVENT done;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    NTSTATUS st;

    if (g_Driver == NULL || !NT_SUCCESS(IoCreateDevice(g_Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev)))
        return -1;
    g_Mode = Mode;
    g_Held = NULL;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp = IoBuildDeviceIoControlRequest(IOCTL_VF, dev, in, sizeof(in), out, sizeof(out), FALSE, &done, &iosb);
    if (irp == NULL) {
        IoDeleteDevice(dev);
        return -1;
    }
    st = IoCallDriver(dev, irp);
    if (st == STATUS_PENDING) {
        if (g_Held != NULL)
            Complete(g_Held, STATUS_SUCCESS, OUT_LEN);
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        st = iosb.Status;
    }
    IoDeleteDevice(dev);
    return st;
}

LONG64 NTAPI CompletePendingBad(void) { return SendIoctl(MODE_COMPLETE_PENDING); }
LONG64 NTAPI CompletePendingClean(void) { return SendIoctl(MODE_COMPLETE); }
LONG64 NTAPI PendingUnmarkedBad(void) { return SendIoctl(MODE_PENDING_UNMARKED); }
LONG64 NTAPI PendingUnmarkedClean(void) { return SendIoctl(MODE_PENDING_MARKED); }
LONG64 NTAPI StatusMismatchBad(void) { return SendIoctl(MODE_STATUS_MISMATCH); }
LONG64 NTAPI StatusMismatchClean(void) { return SendIoctl(MODE_COMPLETE); }
LONG64 NTAPI InformationTooLargeBad(void) { return SendIoctl(MODE_INFO_TOO_LARGE); }
LONG64 NTAPI InformationTooLargeClean(void) { return SendIoctl(MODE_COMPLETE); }
LONG64 NTAPI CancelLeftSetBad(void) { return SendIoctl(MODE_CANCEL_LEFT_SET); }
LONG64 NTAPI CancelLeftSetClean(void) { return SendIoctl(MODE_CANCEL_CLEARED); }
LONG64 NTAPI CancelAfterCompleteBad(void) { return SendIoctl(MODE_CANCEL_AFTER); }
LONG64 NTAPI CancelAfterCompleteClean(void) { return SendIoctl(MODE_CANCEL_CLEARED); }
LONG64 NTAPI DispatchRegionBad(void) { return SendIoctl(MODE_REGION_LEFT); }
LONG64 NTAPI DispatchRegionClean(void) { return SendIoctl(MODE_REGION_BALANCED); }

static NTSTATUS FreeOnCompletion(PDEVICE_OBJECT Dev, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dev);
    UNREFERENCED_PARAMETER(Context);
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* An IRP from IoAllocateIrp: sent after IoFreeIrp (Bad), or sent and freed by its completion
 * routine (Clean); CancelSet: sent with a cancel routine still set. */
static LONG64 SendAllocated(BOOLEAN FreeFirst, BOOLEAN CancelSet)
{
    PDEVICE_OBJECT dev;
    PIRP irp;
    PIO_STACK_LOCATION next;
    NTSTATUS st;

    if (g_Driver == NULL || !NT_SUCCESS(IoCreateDevice(g_Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev)))
        return -1;
    g_Mode = MODE_COMPLETE;
    irp = IoAllocateIrp(dev->StackSize, FALSE);
    if (irp == NULL) {
        IoDeleteDevice(dev);
        return -1;
    }
    next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    next->Parameters.DeviceIoControl.IoControlCode = IOCTL_VF;
    IoSetCompletionRoutine(irp, FreeOnCompletion, NULL, TRUE, TRUE, TRUE);
    if (FreeFirst)
        IoFreeIrp(irp);
    if (CancelSet)
        IoSetCancelRoutine(irp, VfCancel);
    st = IoCallDriver(dev, irp);
    IoDeleteDevice(dev);
    return st;
}

LONG64 NTAPI IrpFreedBad(void) { return SendAllocated(TRUE, FALSE); }
LONG64 NTAPI IrpFreedClean(void) { return SendAllocated(FALSE, FALSE); }
LONG64 NTAPI CallCancelSetBad(void) { return SendAllocated(FALSE, TRUE); }
LONG64 NTAPI CallCancelSetClean(void) { return SendAllocated(FALSE, FALSE); }
