/* bus.c: the bus library (an export driver): it keeps the devices its mini-drivers add. */
#include "blkbus.h"
#include "blkdev.h"
#include <ndis.h>   /* for NDIS_STATUS, as WinVBlock's debug.c includes it */
#include <stdio.h>

static BLKBUS_SP_DEV Devices[4];
static ULONG DeviceCount;
static NDIS_STATUS LastStatus = NDIS_STATUS_SUCCESS;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DeviceCount = 0;
    return STATUS_SUCCESS;
}

NTSTATUS DllUnload(void)
{
    DbgPrint("blkbus: DllUnload with %lu device(s), last NDIS status %08lx\n", DeviceCount, (ULONG)LastStatus);
    return STATUS_SUCCESS;
}

BOOLEAN BlkBusAddDev(BLKBUS_SP_DEV Dev)
{
    if (Dev == NULL || DeviceCount >= sizeof Devices / sizeof Devices[0])
        return FALSE;
    /* The legacy two-argument swprintf (ntoskrnl's). */
    swprintf(Dev->Id, L"BlkBus\\Disk%lu", Dev->Unit);
    Devices[DeviceCount++] = Dev;
    return TRUE;
}

ULONG BlkBusCount(void)
{
    return DeviceCount;
}
