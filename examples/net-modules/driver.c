/*
 * netmods.sys — DriverEntry registers an NDIS lightweight filter driver and makes the device its
 * WMI requests name; DriverUnload deregisters the filter and deletes the device. No adapter
 * exists on the emulated machine, so NDIS never calls FilterAttach.
 */
#include "netmods.h"

NETMODS_GLOBALS g_Mods;

static NDIS_STATUS NTAPI FilterAttach(NDIS_HANDLE NdisFilterHandle, NDIS_HANDLE FilterDriverContext, PVOID AttachParameters)
{
    UNREFERENCED_PARAMETER(FilterDriverContext);
    UNREFERENCED_PARAMETER(AttachParameters);
    /* A real filter calls NdisFSetAttributes here with the handle NDIS passed. */
    return NdisFSetAttributes(NdisFilterHandle, NULL, NULL);
}
static VOID NTAPI FilterDetach(NDIS_HANDLE FilterModuleContext) { UNREFERENCED_PARAMETER(FilterModuleContext); }
static NDIS_STATUS NTAPI FilterRestart(NDIS_HANDLE FilterModuleContext, PVOID Parameters)
{
    UNREFERENCED_PARAMETER(FilterModuleContext);
    UNREFERENCED_PARAMETER(Parameters);
    return NDIS_STATUS_SUCCESS;
}
static NDIS_STATUS NTAPI FilterPause(NDIS_HANDLE FilterModuleContext, PVOID Parameters)
{
    UNREFERENCED_PARAMETER(FilterModuleContext);
    UNREFERENCED_PARAMETER(Parameters);
    return NDIS_STATUS_SUCCESS;
}

/* Fills a revision-1 NDIS 6.30 filter driver's characteristics. */
void NetModsFilterCharacteristics(NDIS_FILTER_DRIVER_CHARACTERISTICS *c)
{
    RtlZeroMemory(c, sizeof(*c));
    c->Header.Type = NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS;
    c->Header.Revision = NDIS_FILTER_CHARACTERISTICS_REVISION_1;
    c->Header.Size = NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_1;
    c->MajorNdisVersion = 6;
    c->MinorNdisVersion = 30;
    c->MajorDriverVersion = 1;
    RtlInitUnicodeString(&c->FriendlyName, L"netmods filter");
    RtlInitUnicodeString(&c->UniqueName, L"{5c0e2f3a-9b1d-4c6e-8f7a-1b2c3d4e5f60}");
    RtlInitUnicodeString(&c->ServiceName, L"netmods");
    c->AttachHandler = (PVOID)FilterAttach;
    c->DetachHandler = (PVOID)FilterDetach;
    c->RestartHandler = (PVOID)FilterRestart;
    c->PauseHandler = (PVOID)FilterPause;
}

static VOID NTAPI NetModsUnload(PDRIVER_OBJECT DriverObject)
{
    g_Mods.UnloadCalls++;
    DbgPrint("netmods: DriverUnload (call %lu, %s driver object)\n", g_Mods.UnloadCalls, DriverObject == g_Mods.Driver ? "its" : "another");
    if (g_Mods.FilterDriver) NdisFDeregisterFilterDriver(g_Mods.FilterDriver);
    g_Mods.FilterDriver = NULL;
    if (g_Mods.Device) IoDeleteDevice(g_Mods.Device);
    g_Mods.Device = NULL;
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS status;
    NDIS_FILTER_DRIVER_CHARACTERISTICS chars;

    UNREFERENCED_PARAMETER(RegistryPath);
    g_Mods.Driver = DriverObject;
    status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Mods.Device);
    if (!NT_SUCCESS(status)) return status;
    NetModsFilterCharacteristics(&chars);
    status = NdisFRegisterFilterDriver(DriverObject, &g_Mods, &chars, &g_Mods.FilterDriver);
    if (status != NDIS_STATUS_SUCCESS) {
        DbgPrint("netmods: NdisFRegisterFilterDriver failed 0x%08x\n", status);
        IoDeleteDevice(g_Mods.Device);
        g_Mods.Device = NULL;
        return status;
    }
    /* A filter driver keeps its own DriverUnload (NDIS does not take over the driver object). */
    DriverObject->DriverUnload = NetModsUnload;
    DbgPrint("netmods: NDIS filter driver registered\n");
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }
