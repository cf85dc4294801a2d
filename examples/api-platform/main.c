/*
 * apiplat.sys - entry points and the lookup of routines by name.
 */
#include "apiplat.h"

EXPORT_DRIVER_BOILERPLATE(apiplat)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

PVOID PlatRoutine(PCWSTR Name)
{
    UNICODE_STRING s;
    RtlInitUnicodeString(&s, Name);
    return MmGetSystemRoutineAddress(&s);
}
