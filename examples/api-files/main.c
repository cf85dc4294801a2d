/*
 * apifiles.sys — entry points and the open helper the tests share.
 */
#include "apifiles.h"

EXPORT_DRIVER_BOILERPLATE(apifiles)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS OpenPath(PCWSTR Path, ACCESS_MASK Access, ULONG Disposition, ULONG Options, PHANDLE Handle, PULONG_PTR Information)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK iosb;
    NTSTATUS st;

    RtlInitUnicodeString(&name, Path);
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    iosb.Information = 0xDEAD;
    st = ZwCreateFile(Handle, Access | SYNCHRONIZE, &oa, &iosb, NULL, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ,
                      Disposition, Options | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
    if (Information) *Information = iosb.Information;
    return st;
}
