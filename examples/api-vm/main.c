/*
 * apivm.sys — the export driver's entry points; the tests live in vm.c and drvobj.c.
 */
#include "apivm.h"

EXPORT_DRIVER_BOILERPLATE(apivm)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
