/*
 * fwdshim.sys — an export driver whose ShimDouble export is a forwarder to chainc.ChainC (see
 * fwdshim.def). It imports chainc.sys itself, so chainc.sys is loaded before any importer of
 * fwdshim.sys snaps ShimDouble: the kernel resolves forwarders only against loaded modules.
 */
#define FWDSHIM_EXPORTS
#include "fwdshim.h"

EXTERN_C DECLSPEC_IMPORT int NTAPI ChainC(int x);

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("fwdshim: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("fwdshim: DllUnload\n");
    return STATUS_SUCCESS;
}

/* Version 3 of the shim; ChainC(0) is 0, and the call makes chainc.sys a real dependency. */
int NTAPI ShimVersion(void)
{
    return ChainC(0) + 3;
}
