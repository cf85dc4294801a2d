/*
 * kmflt.sys — DriverEntry: a control device, the minifilter (registered, then its communication
 * port, then filtering started) — each step checked and undone on failure.
 */
#include "kmflt.h"

KMFLT_GLOBALS g_Kmflt;

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS status;
    UNICODE_STRING name;
    UNREFERENCED_PARAMETER(RegistryPath);

    g_Kmflt.Driver = DriverObject;
    RtlInitUnicodeString(&name, L"\\Device\\KmFlt");
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, FALSE, &g_Kmflt.Device);
    if (!NT_SUCCESS(status)) return status;

    /*
     * Its own unload routine, set before FltRegisterFilter (as many signed minifilters that are
     * also WFP callout drivers do): the Filter Manager keeps it and puts it back when the filter
     * unregisters, so it runs after FilterUnloadCallback.
     */
    DriverObject->DriverUnload = KmfltDriverUnload;
    status = FltRegisterFilter(DriverObject, &g_FilterRegistration, &g_Kmflt.Filter);
    if (!NT_SUCCESS(status)) {
        DbgPrint("kmflt: FltRegisterFilter failed 0x%08x\n", status);
        IoDeleteDevice(g_Kmflt.Device);
        return status;
    }
    status = KmfltCreatePort(g_Kmflt.Filter, L"\\KmFltPort", &g_Kmflt.ServerPort);
    if (NT_SUCCESS(status)) {
        status = FltStartFiltering(g_Kmflt.Filter);
        if (!NT_SUCCESS(status)) FltCloseCommunicationPort(g_Kmflt.ServerPort);
    }
    if (!NT_SUCCESS(status)) {
        FltUnregisterFilter(g_Kmflt.Filter);
        IoDeleteDevice(g_Kmflt.Device);
        return status;
    }
    DbgPrint("kmflt: filtering\n");
    return STATUS_SUCCESS;
}

/* Runs after FilterUnloadCallback (the filter is gone by then): the device goes here. */
VOID NTAPI KmfltDriverUnload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("kmflt: DriverUnload after %lu FilterUnloadCallback call(s), filter %s\n", g_Kmflt.UnloadCalls,
             g_Kmflt.Filter == NULL ? "unregistered" : "still registered");
    if (DriverObject == g_Kmflt.Driver && g_Kmflt.Device) {
        IoDeleteDevice(g_Kmflt.Device);
        g_Kmflt.Device = NULL;
    }
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
