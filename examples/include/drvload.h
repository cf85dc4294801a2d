/*
 * drvload.h - shared by examples/api-drvload (a driver that loads and unloads another one with
 * ZwLoadDriver / ZwUnloadDriver) and examples/api-drvload-target (the driver it loads): service
 * key paths and DWORD values read and written with the Zw registry routines.
 */
#pragma once
#include <ntddk.h>

#define DRVLOAD_SERVICES L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\"
#define DRVLOAD_TARGET   DRVLOAD_SERVICES L"apidrvtg"

/* A DWORD value of the key `path` (0 when the key or value is missing). */
static __inline ULONG DrvLoadReadDword(PCWSTR path, PCWSTR value)
{
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING key, name;
    HANDLE h;
    ULONG got = 0, result = 0;
    UCHAR buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    RtlInitUnicodeString(&key, path);
    RtlInitUnicodeString(&name, value);
    InitializeObjectAttributes(&oa, &key, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    if (!NT_SUCCESS(ZwOpenKey(&h, KEY_READ, &oa)))
        return 0;
    if (NT_SUCCESS(ZwQueryValueKey(h, &name, KeyValuePartialInformation, info, sizeof(buffer), &got)) && info->Type == REG_DWORD && info->DataLength == sizeof(ULONG))
        result = *(ULONG UNALIGNED *)info->Data;
    ZwClose(h);
    return result;
}

/* Set a value of the key `path`, creating the key when missing. */
static __inline NTSTATUS DrvLoadWrite(PCWSTR path, PCWSTR value, ULONG type, const void *data, ULONG size)
{
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING key, name;
    HANDLE h;
    NTSTATUS status;
    RtlInitUnicodeString(&key, path);
    RtlInitUnicodeString(&name, value);
    InitializeObjectAttributes(&oa, &key, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    status = ZwCreateKey(&h, KEY_ALL_ACCESS, &oa, 0, NULL, 0, NULL);
    if (!NT_SUCCESS(status))
        return status;
    status = ZwSetValueKey(h, &name, 0, type, (PVOID)data, size);
    ZwClose(h);
    return status;
}

static __inline NTSTATUS DrvLoadWriteDword(PCWSTR path, PCWSTR value, ULONG data)
{
    return DrvLoadWrite(path, value, REG_DWORD, &data, sizeof(data));
}
