/*
 * apisched.sys — entry points and the shared log the callbacks write to.
 */
#include "apisched.h"

EXPORT_DRIVER_BOILERPLATE(apisched)

/* Work items need a device object only as a token passed back to the routine. */
static DEVICE_OBJECT g_Device;
PDEVICE_OBJECT g_FakeDevice = &g_Device;

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

VOID LogEvent(PSCHED_LOG Log, LONG What, PVOID Argument)
{
    if (Log->Count < 16) {
        Log->Order[Log->Count] = What;
        Log->Irql[Log->Count] = KeGetCurrentIrql();
        Log->Argument[Log->Count] = Argument;
        Log->Count++;
    }
}
