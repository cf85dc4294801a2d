/*
 * apihw.sys — entry points. The tests live in physmem.c, pci.c and mdl.c.
 */
#include "apihw.h"

EXPORT_DRIVER_BOILERPLATE(apihw)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
