/*
 * bad-delay-load.sys — imports LoadPrinterDriver from mydriver.sys as a delay-loaded import
 * (lld-link /delayload:mydriver.sys). In user mode the delay-load helper from delayimp.lib loads
 * the DLL on the first call; the kernel has no such helper and ignores the delay-import table.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI LoadPrinterDriver(int arg1);

/* Stands in for delayimp.lib's helper (a user-mode routine) so that the link succeeds;
 * delayimp.h declares it WINAPI (stdcall on x86: ___delayLoadHelper2@8). */
void * NTAPI __delayLoadHelper2(void *descriptor, void **slot)
{
    UNREFERENCED_PARAMETER(descriptor);
    return *slot;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return LoadPrinterDriver(41) == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
