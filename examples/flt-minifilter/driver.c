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

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}
