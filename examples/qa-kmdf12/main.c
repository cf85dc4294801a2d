/*
 * qakmdf12.sys — lessons from the KMDF and WPP drivers of session 12's sets (docs/qa.md): the
 * WppRecorder.sys calls of a WPP/IFR driver (wpp.c) and EtwSetInformation as TraceLogging
 * providers call it (etw.c). Each Test* export returns the number of failed checks (apitest.h's
 * CHECK prints each failure). cng.sys's entropy routines: examples/qa-modules.
 */
#include "../include/apitest.h"

PDRIVER_OBJECT QaDriver;

static DRIVER_UNLOAD Unload;
static VOID Unload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    QaDriver = DriverObject;
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }
