/*
 * names.c — the escape attempts' names and the helpers that open them. The test's layout:
 * ROOT (= \SystemRoot) holds `outlink` (a symbolic link to the folder above the root), `canary.lnk`
 * (a link to the canary file) and `inside.txt`; the canary file `canary.txt` lies next to ROOT;
 * /etc/hostname stands for any absolute host path.
 */
#include "sbxescape.h"

const PCWSTR EscapeNames[] = {
    L"\\SystemRoot\\..\\canary.txt",
    L"\\SystemRoot\\outlink\\canary.txt",
    L"\\SystemRoot\\canary.lnk",
    L"\\SystemRoot\\.\\..\\canary.txt",
    L"\\SystemRoot\\inside.txt\\..\\..\\canary.txt",
    L"\\??\\C:\\..\\..\\canary.txt",
    L"\\??\\C:\\Windows\\..\\..\\canary.txt",
    L"\\DosDevices\\C:\\Windows\\outlink\\canary.txt",
    L"\\GLOBAL??\\C:\\Windows\\canary.lnk",
    L"\\Device\\HarddiskVolume1\\Windows\\..\\..\\etc\\hostname",
    L"\\??\\C:\\etc\\hostname",
    L"\\??\\/etc/hostname",
    L"/etc/hostname",
    L"\\??\\UNC\\localhost\\etc\\hostname",
    L"\\SystemRoot\\..\\..\\..\\..\\..\\..\\..\\..\\etc\\hostname",
    L"\\SystemRoot\\%2e%2e\\canary.txt",
    L"\\SystemRoot\\...\\canary.txt",
    L"\\SystemRoot\\outlink",
};
const ULONG EscapeNameCount = sizeof(EscapeNames) / sizeof(EscapeNames[0]);

NTSTATUS OpenName(PCWSTR path, HANDLE root, ACCESS_MASK access, ULONG disposition, ULONG options, HANDLE *h)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK iosb;

    RtlInitUnicodeString(&name, path);
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, root, NULL);
    return ZwCreateFile(h, access | SYNCHRONIZE, &oa, &iosb, NULL, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                        disposition, options | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
}

/* Whether the file's first bytes are the canary's (or a host file's we should never see). */
BOOLEAN SawCanary(HANDLE h)
{
    IO_STATUS_BLOCK iosb;
    char buf[32];
    LARGE_INTEGER zero;

    zero.QuadPart = 0;
    RtlZeroMemory(buf, sizeof(buf));
    if (!NT_SUCCESS(ZwReadFile(h, NULL, NULL, NULL, &iosb, buf, sizeof(buf) - 1, &zero, NULL)))
        return FALSE;
    return iosb.Information >= CANARY_LEN && RtlCompareMemory(buf, CANARY, CANARY_LEN) == CANARY_LEN;
}
