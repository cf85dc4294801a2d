/*
 * ifclient.sys — links dynamically to ifprovider.sys without importing anything from it:
 * IoGetDeviceObjectPointer + IoBuildDeviceIoControlRequest(internal) + IoCallDriver return
 * an interface; the client calls through it and dereferences it in its unload routine.
 */
#include <ntddk.h>
#include "../include/ifprovider.h"

static IFPROVIDER_INTERFACE g_If;
static PFILE_OBJECT g_File;

static VOID NTAPI ClientUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
#ifndef IFCLIENT_FORGET_DEREFERENCE
    if (g_If.InterfaceDereference)
        g_If.InterfaceDereference(g_If.Context);
#endif
    if (g_File)
        ObDereferenceObject(g_File);
    DbgPrint("ifclient: DriverUnload\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;
    PDEVICE_OBJECT device;
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    RtlInitUnicodeString(&name, IFPROVIDER_DEVICE_NAME);
    status = IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &g_File, &device);
    if (!NT_SUCCESS(status)) {
        DbgPrint("ifclient: IoGetDeviceObjectPointer(%wZ) failed: 0x%08X\n", &name, status);
        return status;
    }

    KeInitializeEvent(&event, NotificationEvent, FALSE);
    RtlZeroMemory(&g_If, sizeof(g_If));
    irp = IoBuildDeviceIoControlRequest(IOCTL_IFPROVIDER_GET_INTERFACE, device, NULL, 0,
                                        &g_If, sizeof(g_If), TRUE /* internal */, &event, &iosb);
    if (irp == NULL) {
        ObDereferenceObject(g_File);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = IoCallDriver(device, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    if (!NT_SUCCESS(status) || g_If.Version != IFPROVIDER_INTERFACE_VERSION) {
        DbgPrint("ifclient: interface query failed: 0x%08X\n", status);
        ObDereferenceObject(g_File);
        return NT_SUCCESS(status) ? STATUS_NOT_SUPPORTED : status;
    }

    DbgPrint("ifclient: got interface v%u (%u bytes, %Iu returned): Add(2, 3) = %d, NextTicket() = %d\n",
             g_If.Version, g_If.Size, iosb.Information, g_If.Add(g_If.Context, 2, 3), g_If.NextTicket(g_If.Context));
    DriverObject->DriverUnload = ClientUnload;
    return STATUS_SUCCESS;
}
