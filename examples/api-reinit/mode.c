/* apireinit.sys — reads the service key's "Mode" value (absent: ModeNormal). */
#include "reinit.h"

ULONG ReadMode(PUNICODE_STRING RegistryPath)
{
    OBJECT_ATTRIBUTES oa;
    HANDLE key;
    UNICODE_STRING name;
    UCHAR buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    ULONG got = 0, mode = ModeNormal;

    InitializeObjectAttributes(&oa, RegistryPath, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    if (!NT_SUCCESS(ZwOpenKey(&key, KEY_READ, &oa)))
        return ModeNormal;
    RtlInitUnicodeString(&name, L"Mode");
    if (NT_SUCCESS(ZwQueryValueKey(key, &name, KeyValuePartialInformation, info, sizeof(buffer), &got)) &&
        info->Type == REG_DWORD && info->DataLength == sizeof(ULONG))
        mode = *(ULONG UNALIGNED *)info->Data;
    ZwClose(key);
    return mode;
}
