/*
 * pnpfail: a WDM function driver for root-enumerated devices that fails on purpose, so the PnP
 * manager's handling of a failed AddDevice and a failed IRP_MN_START_DEVICE can be checked.
 * Microsoft Learn, "Starting a Device": if a driver fails IRP_MN_START_DEVICE, the PnP manager
 * sends IRP_MN_REMOVE_DEVICE to the stack; the drivers undo AddDevice and detach. "Unload Routine
 * Environment": a PnP driver is unloaded when it has no device objects after a removal.
 */
#include <ntddk.h>
#include "../include/mathlib.h"

typedef enum _FAIL_MODE { FailNone, FailAdd, FailStart } FAIL_MODE;

typedef struct _FAIL_EXTENSION {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Lower;
    FAIL_MODE Mode;
    BOOLEAN Started;
} FAIL_EXTENSION, *PFAIL_EXTENSION;

static PVOID DriverWide; /* pool taken in DriverEntry, freed only by DriverUnload */

/* The mode from the device's first hardware ID (IoGetDeviceProperty, DevicePropertyHardwareID). */
static FAIL_MODE ModeOf(PDEVICE_OBJECT Pdo)
{
    WCHAR ids[128];
    ULONG got = 0;
    UNICODE_STRING id, add, start;
    RtlZeroMemory(ids, sizeof(ids));
    if (!NT_SUCCESS(IoGetDeviceProperty(Pdo, DevicePropertyHardwareID, sizeof(ids) - sizeof(WCHAR), ids, &got)))
        return FailNone;
    RtlInitUnicodeString(&id, ids);
    RtlInitUnicodeString(&add, L"ROOT\\PNPFAIL_ADD");
    RtlInitUnicodeString(&start, L"ROOT\\PNPFAIL_START");
    if (RtlEqualUnicodeString(&id, &add, TRUE))
        return FailAdd;
    if (RtlEqualUnicodeString(&id, &start, TRUE))
        return FailStart;
    return FailNone;
}

static NTSTATUS NTAPI FailAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    PFAIL_EXTENSION fx;
    FAIL_MODE mode = ModeOf(Pdo);
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(FAIL_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    if (mode == FailAdd) {
        /* A correct driver undoes its work before failing AddDevice. */
        IoDeleteDevice(fdo);
        DbgPrint("pnpfail: AddDevice fails (device objects left %d)\n", DriverObject->DeviceObject != NULL);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    fx = (PFAIL_EXTENSION)fdo->DeviceExtension;
    RtlZeroMemory(fx, sizeof(*fx));
    fx->Self = fdo;
    fx->Mode = mode;
    fx->Lower = IoAttachDeviceToDeviceStack(fdo, Pdo);
    if (fx->Lower == NULL) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    fdo->Flags |= DO_POWER_PAGABLE;
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    DbgPrint("pnpfail: AddDevice mode %d\n", mode);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI OnLowerDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS ForwardAndWait(PFAIL_EXTENSION Fx, PIRP Irp)
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

static NTSTATUS NTAPI FailDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFAIL_EXTENSION fx = (PFAIL_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;

    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        /* The bus starts the device first; this driver then fails its own part. */
        status = ForwardAndWait(fx, Irp);
        DbgPrint("pnpfail: start, lower 0x%08x\n", status);
        if (NT_SUCCESS(status) && fx->Mode == FailStart)
            status = STATUS_DEVICE_CONFIGURATION_ERROR;
        fx->Started = NT_SUCCESS(status);
        Irp->IoStatus.Status = status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    case IRP_MN_QUERY_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    case IRP_MN_REMOVE_DEVICE:
        /* Undo AddDevice (and start, if it had succeeded): detach and delete. */
        DbgPrint("pnpfail: remove (started %d)\n", fx->Started);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(fx->Lower, Irp);
        IoDetachDevice(fx->Lower);
        IoDeleteDevice(fx->Self);
        return status;
    default:
        break;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(fx->Lower, Irp);
}

static NTSTATUS NTAPI FailDispatchPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFAIL_EXTENSION fx = (PFAIL_EXTENSION)DeviceObject->DeviceExtension;
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(fx->Lower, Irp);
}

static VOID NTAPI FailUnload(PDRIVER_OBJECT DriverObject)
{
    /* The PnP manager unloads a PnP driver only once it has no device objects. */
    DbgPrint("pnpfail: DriverUnload (device objects left %d)\n", DriverObject->DeviceObject != NULL);
    if (DriverWide != NULL)
        ExFreePoolWithTag(DriverWide, 'lFnP');
    DriverWide = NULL;
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverWide = ExAllocatePoolWithTag(NonPagedPoolNx, 32, 'lFnP');
    if (DriverWide == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    DriverObject->MajorFunction[IRP_MJ_PNP] = FailDispatchPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = FailDispatchPower;
    DriverObject->DriverExtension->AddDevice = FailAddDevice;
    DriverObject->DriverUnload = FailUnload;
    /* An import of the export driver mathlib.sys: the unload of this driver dereferences it. */
    DbgPrint("pnpfail: DriverEntry, mathlib says 6*7 = %d\n", MathMul(6, 7));
    return STATUS_SUCCESS;
}
