/*
 * Reading the host file under --root, writing in the overlay (a host file overwritten here
 * stays unchanged on the host), end-of-file and position, renaming, deleting, and errors.
 */
#include "apifiles.h"

int TestReadRoot(void)
{
    int failures = 0;
    HANDLE h = NULL;
    IO_STATUS_BLOCK iosb;
    char buf[64];
    FILE_STANDARD_INFORMATION std;
    FILE_POSITION_INFORMATION pos;
    FILE_NETWORK_OPEN_INFORMATION net;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    ULONG_PTR info = 0;
    LARGE_INTEGER offset;
    NTSTATUS st;

    st = OpenPath(L"\\SystemRoot\\kmdll-test\\Input.TXT", GENERIC_READ, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h, &info);
    CHECK(st == STATUS_SUCCESS && info == FILE_OPENED);
    if (!NT_SUCCESS(st)) return failures;
    RtlZeroMemory(buf, sizeof(buf));
    st = ZwReadFile(h, NULL, NULL, NULL, &iosb, buf, sizeof(buf) - 1, NULL, NULL);
    CHECK(st == STATUS_SUCCESS && iosb.Information == 20);
    CHECK(strcmp(buf, "hello from the host\n") == 0);
    /* At the end: STATUS_END_OF_FILE. */
    CHECK(ZwReadFile(h, NULL, NULL, NULL, &iosb, buf, 4, NULL, NULL) == STATUS_END_OF_FILE && iosb.Information == 0);
    CHECK(ZwQueryInformationFile(h, &iosb, &std, sizeof(std), FileStandardInformation) == STATUS_SUCCESS);
    CHECK(std.EndOfFile.QuadPart == 20 && !std.Directory);
    CHECK(ZwQueryInformationFile(h, &iosb, &pos, sizeof(pos), FilePositionInformation) == STATUS_SUCCESS && pos.CurrentByteOffset.QuadPart == 20);
    CHECK(ZwQueryInformationFile(h, &iosb, &std, 4, FileStandardInformation) == STATUS_INFO_LENGTH_MISMATCH);
    /* An explicit offset. */
    offset.QuadPart = 6;
    CHECK(ZwReadFile(h, NULL, NULL, NULL, &iosb, buf, 4, &offset, NULL) == STATUS_SUCCESS && RtlCompareMemory(buf, "from", 4) == 4);
    /* No write access on a read handle. */
    CHECK(ZwWriteFile(h, NULL, NULL, NULL, &iosb, buf, 4, NULL, NULL) == STATUS_ACCESS_DENIED);
    ZwClose(h);

    RtlInitUnicodeString(&name, L"\\??\\C:\\Windows\\kmdll-test\\input.txt");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwQueryFullAttributesFile(&oa, &net) == STATUS_SUCCESS && net.EndOfFile.QuadPart == 20 && (net.FileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0);
    st = ZwOpenFile(&h, GENERIC_READ | SYNCHRONIZE, &oa, &iosb, FILE_SHARE_READ, FILE_SYNCHRONOUS_IO_NONALERT);
    CHECK(st == STATUS_SUCCESS && iosb.Information == FILE_OPENED);
    if (NT_SUCCESS(st)) ZwClose(h);
    /* IoCreateFile, the I/O manager's form. */
    st = IoCreateFile(&h, GENERIC_READ | SYNCHRONIZE, &oa, &iosb, NULL, 0, FILE_SHARE_READ, FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0, CreateFileTypeNone, NULL, 0);
    CHECK(st == STATUS_SUCCESS && iosb.Information == FILE_OPENED);
    if (NT_SUCCESS(st)) ZwClose(h);
    return failures;
}

int TestWriteOverlay(void)
{
    int failures = 0;
    HANDLE h = NULL;
    IO_STATUS_BLOCK iosb;
    char buf[64];
    ULONG_PTR info = 0;
    FILE_END_OF_FILE_INFORMATION eof;
    FILE_STANDARD_INFORMATION std;
    FILE_DISPOSITION_INFORMATION del;
    UCHAR renameBuffer[sizeof(FILE_RENAME_INFORMATION) + 64];
    PFILE_RENAME_INFORMATION rename = (PFILE_RENAME_INFORMATION)renameBuffer;
    LARGE_INTEGER offset;
    NTSTATUS st;

    /* C:\Temp does not exist on the host side of the volume: create it, then a file in it. */
    st = OpenPath(L"\\??\\C:\\Temp", FILE_LIST_DIRECTORY, FILE_CREATE, FILE_DIRECTORY_FILE, &h, &info);
    CHECK(st == STATUS_SUCCESS && info == FILE_CREATED);
    if (NT_SUCCESS(st)) ZwClose(h);
    st = OpenPath(L"\\??\\C:\\Temp\\log.txt", GENERIC_READ | GENERIC_WRITE, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, &h, &info);
    CHECK(st == STATUS_SUCCESS && info == FILE_CREATED);
    if (!NT_SUCCESS(st)) return failures;
    CHECK(ZwWriteFile(h, NULL, NULL, NULL, &iosb, "first line\n", 11, NULL, NULL) == STATUS_SUCCESS && iosb.Information == 11);
    /* Append with FILE_WRITE_TO_END_OF_FILE. */
    offset.HighPart = -1;
    offset.LowPart = FILE_WRITE_TO_END_OF_FILE;
    CHECK(ZwWriteFile(h, NULL, NULL, NULL, &iosb, "second\n", 7, &offset, NULL) == STATUS_SUCCESS);
    offset.QuadPart = 0;
    RtlZeroMemory(buf, sizeof(buf));
    CHECK(ZwReadFile(h, NULL, NULL, NULL, &iosb, buf, sizeof(buf) - 1, &offset, NULL) == STATUS_SUCCESS && iosb.Information == 18);
    CHECK(strcmp(buf, "first line\nsecond\n") == 0);
    eof.EndOfFile.QuadPart = 5;
    CHECK(ZwSetInformationFile(h, &iosb, &eof, sizeof(eof), FileEndOfFileInformation) == STATUS_SUCCESS);
    CHECK(ZwQueryInformationFile(h, &iosb, &std, sizeof(std), FileStandardInformation) == STATUS_SUCCESS && std.EndOfFile.QuadPart == 5);
    CHECK(ZwFlushBuffersFile(h, &iosb) == STATUS_SUCCESS);
    /* Rename within the folder. */
    RtlZeroMemory(renameBuffer, sizeof(renameBuffer));
    rename->ReplaceIfExists = FALSE;
    rename->FileNameLength = sizeof(L"renamed.txt") - sizeof(WCHAR);
    RtlCopyMemory(rename->FileName, L"renamed.txt", rename->FileNameLength);
    CHECK(ZwSetInformationFile(h, &iosb, rename, sizeof(renameBuffer), FileRenameInformation) == STATUS_SUCCESS);
    ZwClose(h);
    CHECK(OpenPath(L"\\??\\C:\\Temp\\log.txt", GENERIC_READ, FILE_OPEN, 0, &h, NULL) == STATUS_OBJECT_NAME_NOT_FOUND);
    st = OpenPath(L"\\??\\C:\\Temp\\renamed.txt", GENERIC_READ | DELETE, FILE_OPEN, 0, &h, NULL);
    CHECK(st == STATUS_SUCCESS);
    if (NT_SUCCESS(st)) {
        del.DeleteFile = TRUE;
        CHECK(ZwSetInformationFile(h, &iosb, &del, sizeof(del), FileDispositionInformation) == STATUS_SUCCESS);
        ZwClose(h);
    }
    CHECK(OpenPath(L"\\??\\C:\\Temp\\renamed.txt", GENERIC_READ, FILE_OPEN, 0, &h, NULL) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* Overwriting the host's file changes only the emulated volume. */
    st = OpenPath(L"\\SystemRoot\\kmdll-test\\input.txt", GENERIC_WRITE, FILE_OVERWRITE, 0, &h, &info);
    CHECK(st == STATUS_SUCCESS && info == FILE_OVERWRITTEN);
    if (NT_SUCCESS(st)) {
        CHECK(ZwWriteFile(h, NULL, NULL, NULL, &iosb, "changed", 7, NULL, NULL) == STATUS_SUCCESS);
        ZwClose(h);
    }
    st = OpenPath(L"\\SystemRoot\\kmdll-test\\input.txt", GENERIC_READ, FILE_OPEN, 0, &h, NULL);
    if (NT_SUCCESS(st)) {
        RtlZeroMemory(buf, sizeof(buf));
        CHECK(ZwReadFile(h, NULL, NULL, NULL, &iosb, buf, sizeof(buf), NULL, NULL) == STATUS_SUCCESS && strcmp(buf, "changed") == 0);
        ZwClose(h);
    }
    return failures;
}

int TestErrors(void)
{
    int failures = 0;
    HANDLE h = NULL;
    IO_STATUS_BLOCK iosb;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    char buf[4];

    CHECK(OpenPath(L"\\SystemRoot\\kmdll-test\\missing.txt", GENERIC_READ, FILE_OPEN, 0, &h, NULL) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(OpenPath(L"\\SystemRoot\\no-such-dir\\x.txt", GENERIC_READ, FILE_OPEN, 0, &h, NULL) == STATUS_OBJECT_PATH_NOT_FOUND);
    CHECK(OpenPath(L"\\SystemRoot\\kmdll-test\\input.txt", GENERIC_READ, FILE_CREATE, 0, &h, NULL) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(OpenPath(L"\\SystemRoot\\kmdll-test\\input.txt", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE, &h, NULL) == STATUS_NOT_A_DIRECTORY);
    CHECK(OpenPath(L"\\SystemRoot\\kmdll-test", GENERIC_READ, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h, NULL) == STATUS_FILE_IS_A_DIRECTORY);
    CHECK(OpenPath(L"\\SystemRoot\\kmdll-test\\..\\..\\etc\\hostname", GENERIC_READ, FILE_OPEN, 0, &h, NULL) == STATUS_OBJECT_NAME_INVALID);
    CHECK(OpenPath(L"\\SystemRoot\\bad|name", GENERIC_READ, FILE_OPEN, 0, &h, NULL) == STATUS_OBJECT_NAME_INVALID);
    CHECK(OpenPath(L"\\??\\D:\\x.txt", GENERIC_READ, FILE_OPEN, 0, &h, NULL) == STATUS_OBJECT_PATH_NOT_FOUND);
    /* Reading a directory handle. */
    if (NT_SUCCESS(OpenPath(L"\\SystemRoot\\kmdll-test", FILE_LIST_DIRECTORY | GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE, &h, NULL))) {
        CHECK(ZwReadFile(h, NULL, NULL, NULL, &iosb, buf, sizeof(buf), NULL, NULL) == STATUS_INVALID_DEVICE_REQUEST);
        ZwClose(h);
    }
    CHECK(ZwReadFile((HANDLE)(ULONG_PTR)0x7777, NULL, NULL, NULL, &iosb, buf, sizeof(buf), NULL, NULL) == STATUS_INVALID_HANDLE);
    /* ZwDeleteFile: a non-empty directory refuses. */
    RtlInitUnicodeString(&name, L"\\SystemRoot\\kmdll-test");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwDeleteFile(&oa) == STATUS_DIRECTORY_NOT_EMPTY);
    RtlInitUnicodeString(&name, L"\\SystemRoot\\kmdll-test\\input.txt");
    CHECK(ZwDeleteFile(&oa) == STATUS_SUCCESS);
    CHECK(ZwDeleteFile(&oa) == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures;
}

/* Names that try to leave the sandbox; each must fail without the host file being touched. */
int TryEscape(void)
{
    HANDLE h;
    int opened = 0;
    static const PCWSTR names[] = {
        L"\\SystemRoot\\escape\\hostname",
        L"\\SystemRoot\\..\\..\\..\\etc\\hostname",
        L"\\??\\C:\\Windows\\..\\..\\etc\\hostname",
        L"\\??\\C:\\etc\\hostname",
        L"\\??\\C:\\..\\etc\\hostname",
        L"\\Device\\HarddiskVolume1\\..\\etc\\hostname",
    };
    ULONG i;
    for (i = 0; i < ARRAY_LEN(names); i++)
        if (NT_SUCCESS(OpenPath(names[i], GENERIC_READ, FILE_OPEN, 0, &h, NULL))) {
            opened++;
            ZwClose(h);
        }
    return opened;
}

/* A wild UNICODE_STRING pointer in the object attributes: a clean invalid-read fault. */
int WildFileName(void)
{
    HANDLE h;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK iosb;
    InitializeObjectAttributes(&oa, (PUNICODE_STRING)(ULONG_PTR)0xFFFFA000DEAD0000ULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    return ZwCreateFile(&h, GENERIC_READ, &oa, &iosb, NULL, 0, 0, FILE_OPEN, 0, NULL, 0);
}

/*
 * The FILE_OBJECT behind a handle on the volume (a lesson from a signed minifilter that finds its
 * own folder this way): FileName is the path on the volume, ObQueryNameString gives the volume
 * device's name in front of it, and the folder is that name minus the final component — which
 * must not come out empty, or the subtraction wraps the UNICODE_STRING's Length.
 */
int TestFileObjectName(void)
{
    int failures = 0;
    HANDLE h = NULL;
    PFILE_OBJECT fo = NULL;
    ULONG need = 0;
    POBJECT_NAME_INFORMATION info;
    UNICODE_STRING expect, folder, final, path;
    WCHAR buffer[128];
    NTSTATUS st;

    st = OpenPath(L"\\SystemRoot\\kmdll-test\\input.txt", GENERIC_READ, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h, NULL);
    CHECK(st == STATUS_SUCCESS);
    if (!NT_SUCCESS(st)) return failures;
    st = ObReferenceObjectByHandle(h, 0, *IoFileObjectType, KernelMode, (PVOID *)&fo, NULL);
    ZwClose(h);
    CHECK(st == STATUS_SUCCESS && fo != NULL);
    if (!NT_SUCCESS(st)) return failures;
    CHECK(fo->Type == 5 /* IO_TYPE_FILE */ && fo->Size == sizeof(FILE_OBJECT));
    CHECK(fo->ReadAccess && !fo->WriteAccess && (fo->Flags & FO_SYNCHRONOUS_IO));
    RtlInitUnicodeString(&expect, L"\\Windows\\kmdll-test\\input.txt");
    CHECK(RtlEqualUnicodeString(&fo->FileName, &expect, FALSE));

    /* Size query first, as drivers do. */
    CHECK(ObQueryNameString(fo, NULL, 0, &need) == STATUS_INFO_LENGTH_MISMATCH);
    RtlInitUnicodeString(&expect, L"\\Device\\HarddiskVolume1\\Windows\\kmdll-test\\input.txt");
    CHECK(need == sizeof(OBJECT_NAME_INFORMATION) + expect.Length + sizeof(WCHAR));
    info = (POBJECT_NAME_INFORMATION)ExAllocatePoolWithTag(PagedPool, need, FILES_TAG);
    if (info) {
        CHECK(ObQueryNameString(fo, info, need, &need) == STATUS_SUCCESS);
        CHECK(RtlEqualUnicodeString(&info->Name, &expect, FALSE));
        /* The folder: the name minus its final component, then a sibling appended. */
        RtlInitUnicodeString(&final, L"input.txt");
        folder = info->Name;
        CHECK(folder.Length > final.Length);
        folder.Length -= final.Length;
        RtlInitEmptyUnicodeString(&path, buffer, sizeof(buffer));
        CHECK(RtlAppendUnicodeStringToString(&path, &folder) == STATUS_SUCCESS);
        RtlInitUnicodeString(&final, L"other.txt");
        CHECK(RtlAppendUnicodeStringToString(&path, &final) == STATUS_SUCCESS);
        RtlInitUnicodeString(&expect, L"\\Device\\HarddiskVolume1\\Windows\\kmdll-test\\other.txt");
        CHECK(RtlEqualUnicodeString(&path, &expect, TRUE));
        /* The name opens the same file again. */
        RtlCopyMemory(buffer, info->Name.Buffer, info->Name.Length);
        buffer[info->Name.Length / sizeof(WCHAR)] = 0;
        st = OpenPath(buffer, GENERIC_READ, FILE_OPEN, 0, &h, NULL);
        CHECK(st == STATUS_SUCCESS);
        if (NT_SUCCESS(st)) ZwClose(h);
        ExFreePoolWithTag(info, FILES_TAG);
    }
    ObDereferenceObject(fo);
    return failures;
}
