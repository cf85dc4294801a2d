/*
 * wdkgs.sys — a DriverEntry-style driver with the /GS traits of WDK builds (see wdkgs.h). Its
 * exports let a test read the cookie the loader chose and run /GS-protected code.
 */
#define WDKGS_KEEP_INTRINSIC_BODIES
#include "wdkgs.h"

static ULONG g_sum;

static DRIVER_UNLOAD WdkGsUnload;
static VOID WdkGsUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("wdkgs: unload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = WdkGsUnload;
    g_sum = WdkGsChecksum(1, 2);
    DbgPrint("wdkgs: DriverEntry, checksum %08lx\n", g_sum);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    __security_init_cookie();
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

ULONG_PTR NTAPI WdkGsCookie(void) { return __security_cookie; }
ULONG_PTR NTAPI WdkGsComplement(void) { return __security_cookie_complement; }
ULONG NTAPI WdkGsSum(ULONG seed, ULONG rounds) { return WdkGsChecksum(seed, rounds); }
ULONG NTAPI WdkGsHuge(ULONG seed) { return WdkGsChecksumHuge(seed); }

/* Overruns a local array by `extra` bytes: the /GS check on return fails fast. */
ULONG NTAPI WdkGsSmash(ULONG extra)
{
    volatile UCHAR local[64];
    for (ULONG i = 0; i < sizeof(local) + extra; i++)
        local[i] = (UCHAR)i;
    return local[3];
}
