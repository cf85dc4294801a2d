/*
 * lowmem.sys - the export and the export-driver entry points (see lowmem.h).
 */
#include "lowmem.h"

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

ULONG ProbeLowMemory(void)
{
    PHYSICAL_ADDRESS zero;
    UCHAR *low;
    ULONG bad = 0;

    zero.QuadPart = 0;
    low = (UCHAR *)MmMapIoSpace(zero, LOW_MIB, MmNonCached);
    if (low == NULL) {
        DbgPrint("lowmem: cannot map the first MiB\n");
        return 1;
    }
    bad += LowMemWalkInt13(low);
    bad += LowMemBiosData(low);
    bad += LowMemOptionRoms(low);
    LowMemSystemBios(low);
    MmUnmapIoSpace(low, LOW_MIB);
    return bad;
}
