/*
 * keepuser.sys — imports KeepPathFirstChar from keeppath.sys (so that starting it loads
 * keeppath.sys), but does not call it.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI KeepPathFirstChar(void);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD KeepuserUnload;

VOID KeepuserUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    /* Never true: keeps the import without calling it. */
    if (RegistryPath == NULL)
        return (NTSTATUS)KeepPathFirstChar();
    DriverObject->DriverUnload = KeepuserUnload;
    DbgPrint("keepuser: DriverEntry\n");
    return STATUS_SUCCESS;
}
