/*
 * files.c — escape attempts through ZwCreateFile/ZwOpenFile/ZwReadFile, ZwWriteFile,
 * ZwDeleteFile and FILE_DISPOSITION_INFORMATION, ZwQueryDirectoryFile and renames/links.
 * Each returns a bit per name that reached host data.
 */
#include "sbxescape.h"

/* Open (ZwCreateFile and ZwOpenFile, absolute and relative to a \SystemRoot handle) and read. */
ULONG EscapeOpen(void)
{
    ULONG i, seen = 0;
    HANDLE h, root;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK iosb;

    for (i = 0; i < EscapeNameCount; i++) {
        RtlInitUnicodeString(&name, EscapeNames[i]);
        InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
        if (NT_SUCCESS(ZwOpenFile(&h, GENERIC_READ | SYNCHRONIZE, &oa, &iosb, FILE_SHARE_READ, FILE_SYNCHRONOUS_IO_NONALERT))) {
            if (SawCanary(h))
                seen |= 1u << i;
            ZwClose(h);
        }
    }
    /* Relative to a handle on the root folder. */
    if (NT_SUCCESS(OpenName(L"\\SystemRoot", NULL, FILE_LIST_DIRECTORY, FILE_OPEN, FILE_DIRECTORY_FILE, &root))) {
        static const PCWSTR rel[] = { L"..\\canary.txt", L"outlink\\canary.txt", L"canary.lnk", L"\\..\\canary.txt" };
        for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
            if (NT_SUCCESS(OpenName(rel[i], root, GENERIC_READ, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h))) {
                if (SawCanary(h))
                    seen |= 0x80000000u >> i;
                ZwClose(h);
            }
        }
        ZwClose(root);
    }
    return seen;
}

/* Create/overwrite and write: whatever opens, the host's files must stay as they were (the test compares). */
ULONG EscapeWrite(void)
{
    ULONG i, wrote = 0;
    HANDLE h;
    IO_STATUS_BLOCK iosb;
    static const char text[] = "overwritten by sbxescape";

    for (i = 0; i < EscapeNameCount; i++) {
        if (NT_SUCCESS(OpenName(EscapeNames[i], NULL, GENERIC_WRITE | GENERIC_READ, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, &h))) {
            if (NT_SUCCESS(ZwWriteFile(h, NULL, NULL, NULL, &iosb, (PVOID)text, sizeof(text) - 1, NULL, NULL)))
                wrote |= 1u << i;
            ZwClose(h);
        }
    }
    /* A new file next to the root through the folder link. */
    if (NT_SUCCESS(OpenName(L"\\SystemRoot\\outlink\\created-by-driver.txt", NULL, GENERIC_WRITE, FILE_CREATE, FILE_NON_DIRECTORY_FILE, &h))) {
        ZwWriteFile(h, NULL, NULL, NULL, &iosb, (PVOID)text, sizeof(text) - 1, NULL, NULL);
        ZwClose(h);
    }
    /* The number is what the overlay accepted; the test checks the host, not this. */
    return wrote & 0;
}

/* ZwDeleteFile and delete-on-close through FILE_DISPOSITION_INFORMATION. */
ULONG EscapeDelete(void)
{
    ULONG i;
    HANDLE h;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK iosb;
    FILE_DISPOSITION_INFORMATION del;

    for (i = 0; i < EscapeNameCount; i++) {
        RtlInitUnicodeString(&name, EscapeNames[i]);
        InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
        ZwDeleteFile(&oa);
        if (NT_SUCCESS(OpenName(EscapeNames[i], NULL, DELETE, FILE_OPEN, 0, &h))) {
            del.DeleteFile = TRUE;
            ZwSetInformationFile(h, &iosb, &del, sizeof(del), FileDispositionInformation);
            ZwClose(h);
        }
    }
    return 0;
}

/* ZwQueryDirectoryFile on linked folders and with `..` patterns: no entry of the folder above the root may show up. */
ULONG EscapeList(void)
{
    static const PCWSTR dirs[] = { L"\\SystemRoot\\outlink", L"\\SystemRoot\\..", L"\\??\\C:\\..", L"\\SystemRoot" };
    static const PCWSTR patterns[] = { NULL, L"..", L"..\\*", L"canary.txt", L"*" };
    ULONG d, p, seen = 0;
    HANDLE h;
    IO_STATUS_BLOCK iosb;
    UCHAR buf[1024];

    for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        if (!NT_SUCCESS(OpenName(dirs[d], NULL, FILE_LIST_DIRECTORY, FILE_OPEN, FILE_DIRECTORY_FILE, &h)))
            continue;
        for (p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
            UNICODE_STRING pattern;
            BOOLEAN restart = TRUE;
            if (patterns[p] != NULL)
                RtlInitUnicodeString(&pattern, patterns[p]);
            while (NT_SUCCESS(ZwQueryDirectoryFile(h, NULL, NULL, NULL, &iosb, buf, sizeof(buf), FileDirectoryInformation, TRUE,
                                                   patterns[p] != NULL ? &pattern : NULL, restart))) {
                PFILE_DIRECTORY_INFORMATION e = (PFILE_DIRECTORY_INFORMATION)buf;
                UNICODE_STRING n, canary;
                restart = FALSE;
                n.Buffer = e->FileName;
                n.Length = n.MaximumLength = (USHORT)e->FileNameLength;
                RtlInitUnicodeString(&canary, L"canary.txt");
                if (RtlEqualUnicodeString(&n, &canary, TRUE))
                    seen |= 1u << (d * 5 + p);
            }
        }
        ZwClose(h);
    }
    return seen;
}

/* Renames and hard links whose target leaves the volume or the root. */
ULONG EscapeRename(void)
{
    static const PCWSTR targets[] = { L"\\SystemRoot\\..\\renamed.txt", L"\\SystemRoot\\outlink\\renamed.txt", L"\\??\\C:\\..\\..\\renamed.txt", L"/tmp/renamed.txt", L"..\\renamed.txt" };
    ULONG i;
    HANDLE h;
    IO_STATUS_BLOCK iosb;
    UCHAR buf[sizeof(FILE_RENAME_INFORMATION) + 128];
    PFILE_RENAME_INFORMATION r = (PFILE_RENAME_INFORMATION)buf;

    for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        USHORT len = (USHORT)(wcslen(targets[i]) * sizeof(WCHAR));
        if (!NT_SUCCESS(OpenName(L"\\SystemRoot\\inside.txt", NULL, DELETE | GENERIC_READ, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h)))
            continue;
        RtlZeroMemory(buf, sizeof(buf));
        r->ReplaceIfExists = TRUE;
        r->RootDirectory = NULL;
        r->FileNameLength = len;
        RtlCopyMemory(r->FileName, targets[i], len);
        ZwSetInformationFile(h, &iosb, r, sizeof(buf), FileRenameInformation);
        ZwSetInformationFile(h, &iosb, r, sizeof(buf), FileLinkInformation);
        ZwClose(h);
    }
    return 0;
}
