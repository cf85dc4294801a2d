/*
 * fltkbase.sys - name parsing, and the kernel DLL's entry points (see fltkbase.h).
 */
#define FLTKBASE_EXPORTS
#include "fltkbase.h"

NTSTATUS NTAPI
FkNameParts(PCUNICODE_STRING Name, PUNICODE_STRING Extension, PUNICODE_STRING FinalComponent)
{
    return FltParseFileName(Name, Extension, NULL, FinalComponent);
}

NTSTATUS
DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DbgPrint("fltkbase: loaded\n");
    return FkTableInit();
}

NTSTATUS
DllUnload(VOID)
{
    FkTableFinit();
    DbgPrint("fltkbase: unloaded\n");
    return STATUS_SUCCESS;
}

DRIVER_INITIALIZE DriverEntry;

NTSTATUS
DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
