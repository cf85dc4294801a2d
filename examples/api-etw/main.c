/*
 * apietw.sys — entry points; the tests live in etw.c and wmi.c.
 */
#include "apietw.h"

EXPORT_DRIVER_BOILERPLATE(apietw)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
