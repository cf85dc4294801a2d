/*
 * fwduser.sys — an export driver that imports fwdshim.sys's forwarded ShimDouble and its own
 * ShimVersion. UseShim(x) = ShimDouble(x) + 100 * ShimVersion() = 2x + 300.
 */
#include "../sc-forward/fwdshim.h"

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

int NTAPI UseShim(int x)
{
    return ShimDouble(x) + 100 * ShimVersion();
}
