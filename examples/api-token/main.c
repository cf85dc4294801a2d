/*
 * apitok.sys — DllInitialize/DllUnload and small helpers shared by the tests.
 */
#include "apitok.h"

EXPORT_DRIVER_BOILERPLATE(apitok)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

BOOLEAN UsEquals(PCUNICODE_STRING s, PCWSTR text)
{
    UNICODE_STRING t;
    RtlInitUnicodeString(&t, text);
    return RtlEqualUnicodeString(s, &t, FALSE);
}

BOOLEAN UsStartsWith(PCUNICODE_STRING s, PCWSTR text)
{
    UNICODE_STRING t;
    RtlInitUnicodeString(&t, text);
    return RtlPrefixUnicodeString(&t, s, FALSE);
}

HANDLE FindProcess(PCWSTR name)
{
    ULONG len = 0;
    HANDLE pid = NULL;
    PUCHAR buf;
    ZwQuerySystemInformation(5 /* SystemProcessInformation */, NULL, 0, &len);
    if (len == 0) return NULL;
    buf = (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, len, TOK_TAG);
    if (!buf) return NULL;
    if (NT_SUCCESS(ZwQuerySystemInformation(5, buf, len, &len))) {
        PROC_INFO *p = (PROC_INFO *)buf;
        for (;;) {
            if (p->ImageName.Buffer && UsEquals(&p->ImageName, name)) {
                pid = p->UniqueProcessId;
                break;
            }
            if (p->NextEntryOffset == 0) break;
            p = (PROC_INFO *)((PUCHAR)p + p->NextEntryOffset);
        }
    }
    ExFreePoolWithTag(buf, TOK_TAG);
    return pid;
}

HANDLE OpenProcessHandle(HANDLE pid)
{
    HANDLE h = NULL;
    OBJECT_ATTRIBUTES oa;
    CLIENT_ID cid;
    cid.UniqueProcess = pid;
    cid.UniqueThread = NULL;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    if (!NT_SUCCESS(ZwOpenProcess(&h, PROCESS_ALL_ACCESS, &oa, &cid))) return NULL;
    return h;
}
