/*
 * apirank.sys — entry points and the device helper shared by the tests.
 */
#include "apirank.h"

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
