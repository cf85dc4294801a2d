/*
 * ifprovider.sys — a standard driver that exports nothing at link time. It creates
 * \Device\IfProvider and answers the internal IOCTL IOCTL_IFPROVIDER_GET_INTERFACE with an
 * interface: function pointers + context, reference-counted through the interface itself.
 */
#include <ntddk.h>
#include "../include/ifprovider.h"

typedef struct _PROVIDER_STATE {
    LONG References;
    LONG NextTicket;
} PROVIDER_STATE;

static PROVIDER_STATE g_State;
static PDEVICE_OBJECT g_Device;

static VOID NTAPI IfReference(PVOID Context)
{
    PROVIDER_STATE *s = (PROVIDER_STATE *)Context;
    LONG n = InterlockedIncrement(&s->References);
    DbgPrint("ifprovider: InterfaceReference -> %d\n", n);
}

static VOID NTAPI IfDereference(PVOID Context)
{
    PROVIDER_STATE *s = (PROVIDER_STATE *)Context;
    LONG n = InterlockedDecrement(&s->References);
    DbgPrint("ifprovider: InterfaceDereference -> %d\n", n);
}

static LONG IfAdd(PVOID Context, LONG A, LONG B)
{
    UNREFERENCED_PARAMETER(Context);
    return A + B;
}

static LONG IfNextTicket(PVOID Context)
{
    PROVIDER_STATE *s = (PROVIDER_STATE *)Context;
    return InterlockedIncrement(&s->NextTicket);
}

static NTSTATUS NTAPI DispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI DispatchInternalIoctl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_INVALID_DEVICE_REQUEST;
    ULONG_PTR info = 0;
    UNREFERENCED_PARAMETER(DeviceObject);

    if (stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_IFPROVIDER_GET_INTERFACE) {
        /* METHOD_NEITHER: the output buffer is Irp->UserBuffer. */
        PIFPROVIDER_INTERFACE out = (PIFPROVIDER_INTERFACE)Irp->UserBuffer;
        if (out == NULL || stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(*out)) {
            status = STATUS_BUFFER_TOO_SMALL;
        } else {
            out->Size = sizeof(*out);
            out->Version = IFPROVIDER_INTERFACE_VERSION;
            out->Context = &g_State;
            out->InterfaceReference = IfReference;
            out->InterfaceDereference = IfDereference;
            out->Add = IfAdd;
            out->NextTicket = IfNextTicket;
            out->InterfaceReference(out->Context);
            status = STATUS_SUCCESS;
            info = sizeof(*out);
        }
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = info;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static VOID NTAPI ProviderUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    if (g_State.References != 0)
        DbgPrint("ifprovider: unloading with %d interface references outstanding\n", g_State.References);
    IoDeleteDevice(g_Device);
    DbgPrint("ifprovider: DriverUnload\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    RtlInitUnicodeString(&name, IFPROVIDER_DEVICE_NAME);
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Device);
    if (!NT_SUCCESS(status))
        return status;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = DispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = DispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = DispatchInternalIoctl;
    DriverObject->DriverUnload = ProviderUnload;
    DbgPrint("ifprovider: created %wZ\n", &name);
    return STATUS_SUCCESS;
}
