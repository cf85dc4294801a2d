/*
 * apisys.sys — entry points.
 */
#include "apisys.h"

EXPORT_DRIVER_BOILERPLATE(apisys)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
