/* wdkseh.sys — entry points; the tests live in raise.c, probe.c and walk.c. */
#define WDKSEH_KEEP_INTRINSIC_BODIES
#include "wdkseh.h"

EXPORT_DRIVER_BOILERPLATE(wdkseh)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
