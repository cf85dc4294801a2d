/*
 * clean-declspec.sys — a correct export driver that exports with DECLSPEC_EXPORT
 * (__declspec(dllexport)) instead of listing its routines in the .def file.
 */
#include <ntddk.h>

#ifndef DECLSPEC_EXPORT
#define DECLSPEC_EXPORT __declspec(dllexport)
#endif

static LONG Calls;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("clean-declspec: DllInitialize(%wZ)\n", RegistryPath);
    Calls = 0;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("clean-declspec: DllUnload after %ld calls\n", Calls);
    return STATUS_SUCCESS;
}

EXTERN_C DECLSPEC_EXPORT LONG CountCall(void)
{
    return InterlockedIncrement(&Calls);
}
