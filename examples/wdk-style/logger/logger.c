/* logger.c: a kernel-mode logging library (an export driver); Windows calls DllInitialize when a
 * client that imports it loads, and DllUnload after the last client unloads. */
#include "logger_internal.h"

struct _LOG_HANDLE {
    char Name[16];
};

static struct _LOG_HANDLE Handles[4];
static ULONG HandleCount;
static DWORD Messages;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    RingReset();
    HandleCount = 0;
    Messages = 0;
    DbgPrint("logger: DllInitialize\n");
    return STATUS_SUCCESS;
}

NTSTATUS DllUnload(void)
{
    DbgPrint("logger: DllUnload after %lu message(s)\n", Messages);
    return STATUS_SUCCESS;
}

LHANDLE LogOpen(const char *Name)
{
    LHANDLE h;
    if (HandleCount >= sizeof Handles / sizeof Handles[0])
        return NULL;
    h = &Handles[HandleCount++];
    if (!NT_SUCCESS(RtlStringCchCopyA(h->Name, sizeof h->Name, Name)))
        return NULL;
    return h;
}

BOOLEAN LogPrint(LHANDLE Handle, const char *Message)
{
    char line[96];
    size_t length;
    if (Handle == NULL)
        return FALSE;
    if (!NT_SUCCESS(RtlStringCchPrintfA(line, sizeof line, "[%s] %s", Handle->Name, Message)))
        return FALSE;
    if (!NT_SUCCESS(RtlStringCchLengthA(line, sizeof line, &length)))
        return FALSE;
    if (!RingPut(line, (DWORD)length))
        return FALSE;
    Messages++;
    DbgPrint("logger: %s\n", line);
    return TRUE;
}

DWORD LogCount(void)
{
    return Messages;
}
