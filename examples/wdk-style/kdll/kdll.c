/* kdll.c: a kernel DLL with no DriverEntry (linked /NOENTRY), named kdll.dll. */
#include "kdll.h"

NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS DllUnload(void)
{
    return STATUS_SUCCESS;
}

LONG KdllSquare(LONG x)
{
    return KdllTimes(x, x);
}
