/*
 * apicsq.sys — entry points and helpers shared by the tests.
 */
#include "apicsq.h"

PDRIVER_OBJECT g_Driver;

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    while (DriverObject->DeviceObject)
        IoDeleteDevice(DriverObject->DeviceObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    g_Driver = DriverObject;
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

PDEVICE_OBJECT CreateTestDevice(void)
{
    PDEVICE_OBJECT dev = NULL;
    if (!g_Driver || IoCreateDevice(g_Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev) != STATUS_SUCCESS)
        return NULL;
    dev->Flags &= ~DO_DEVICE_INITIALIZING;
    return dev;
}

PIRP AllocateTestIrp(PDEVICE_OBJECT Device)
{
    PIRP irp = IoAllocateIrp(1, FALSE);
    if (irp) {
        IoSetNextIrpStackLocation(irp);
        IoGetCurrentIrpStackLocation(irp)->DeviceObject = Device;
        IoGetCurrentIrpStackLocation(irp)->MajorFunction = IRP_MJ_READ;
    }
    return irp;
}

VOID SleepMs(LONG Ms)
{
    LARGE_INTEGER t;
    t.QuadPart = RELATIVE_MS(Ms);
    KeDelayExecutionThread(KernelMode, FALSE, &t);
}
