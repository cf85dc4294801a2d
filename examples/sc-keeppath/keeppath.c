/*
 * keeppath.sys — an export driver that keeps the RegistryPath pointer DllInitialize received
 * instead of copying the string. "The buffer pointed to by RegistryPath is freed once
 * DllInitialize exits. Therefore, if the DLL makes use of the key, DllInitialize must duplicate
 * the key name." (Creating Export Drivers) — KeepPathFirstChar reads freed memory.
 */
#include <ntddk.h>

static PUNICODE_STRING SavedPath; /* wrong: the string dies when DllInitialize returns */

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    SavedPath = RegistryPath;
    DbgPrint("keeppath: DllInitialize(%wZ): keeping the pointer\n", RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

/* Returns the first character of the saved path: a use after free. */
int NTAPI KeepPathFirstChar(void)
{
    return SavedPath->Buffer[0];
}
