/*
 * emucomp.sys — an export driver of pure computations (compute_core.c) used to check the
 * emulator against the same C compiled natively: stack arguments, recursion, 64-bit signed
 * division, a sort, a hash over a pool buffer and a CPU-bound loop for the benchmark.
 */
#include <ntddk.h>

#define CORE_ALLOC(n) ExAllocatePoolWithTag(NonPagedPoolNx, (n), 'pmoC')
#define CORE_FREE(p) ExFreePoolWithTag((p), 'pmoC')
#define CORE_API NTAPI
#include "compute_core.c"

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
