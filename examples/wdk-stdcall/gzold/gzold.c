#include "gzold.h"

/*
 * Built with 386_STDCALL=0 (cdecl by default) and declared without DRIVER_UNLOAD or NTAPI: a
 * cdecl routine the kernel calls as stdcall on x86 (kmdll sim reports it).
 */
VOID GzOldUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("gzold: unloaded\n");
}

DRIVER_INITIALIZE DriverEntry;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = (PDRIVER_UNLOAD)GzOldUnload;
    DbgPrint("gzold: DriverEntry in session %lu\n", GzOldSession());
    return STATUS_SUCCESS;
}
