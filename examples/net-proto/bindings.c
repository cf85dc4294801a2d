/*
 * netproto.sys — TCP/IP's bindings: Services\Tcpip\Linkage\Bind, a REG_MULTI_SZ of
 * "\Device\{GUID}" adapter names, copied into a pool buffer the caller frees.
 */
#include "netproto.h"

NTSTATUS ProtoReadTcpBindings(PWSTR *Bindings)
{
    UNICODE_STRING keyName = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\Tcpip\\Linkage");
    UNICODE_STRING valueName = RTL_CONSTANT_STRING(L"Bind");
    OBJECT_ATTRIBUTES oa;
    HANDLE key;
    ULONG length = 0;
    PKEY_VALUE_PARTIAL_INFORMATION info;
    NTSTATUS status;

    *Bindings = NULL;
    InitializeObjectAttributes(&oa, &keyName, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    status = ZwOpenKey(&key, KEY_READ, &oa);
    if (!NT_SUCCESS(status)) return status;
    status = ZwQueryValueKey(key, &valueName, KeyValuePartialInformation, NULL, 0, &length);
    if (status != STATUS_BUFFER_TOO_SMALL && status != STATUS_BUFFER_OVERFLOW) {
        ZwClose(key);
        return NT_SUCCESS(status) ? STATUS_UNSUCCESSFUL : status;
    }
    info = (PKEY_VALUE_PARTIAL_INFORMATION)ExAllocatePoolWithTag(NonPagedPoolNx, length, NETPROTO_TAG);
    if (!info) {
        ZwClose(key);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = ZwQueryValueKey(key, &valueName, KeyValuePartialInformation, info, length, &length);
    ZwClose(key);
    if (NT_SUCCESS(status) && (info->Type != REG_MULTI_SZ || info->DataLength < 2 * sizeof(WCHAR))) status = STATUS_OBJECT_TYPE_MISMATCH;
    if (NT_SUCCESS(status)) {
        /* Two extra zero characters: the list ends even if the value's own terminator is missing. */
        PWSTR copy = (PWSTR)ExAllocatePoolWithTag(NonPagedPoolNx, info->DataLength + 2 * sizeof(WCHAR), NETPROTO_TAG);
        if (copy) {
            RtlZeroMemory(copy, info->DataLength + 2 * sizeof(WCHAR));
            RtlCopyMemory(copy, info->Data, info->DataLength);
            *Bindings = copy;
        } else {
            status = STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    ExFreePoolWithTag(info, NETPROTO_TAG);
    return status;
}
