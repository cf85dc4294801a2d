/*
 * Listing directories with ZwQueryDirectoryFile: "." and "..", host files merged with files
 * created in the overlay, a wildcard pattern, one entry at a time, restart, and the end.
 */
#include "apifiles.h"

int TestDirectories(void)
{
    int failures = 0;
    HANDLE dir = NULL, f = NULL;
    IO_STATUS_BLOCK iosb;
    ULONG_PTR buffer[128];
    PFILE_DIRECTORY_INFORMATION e;
    PFILE_NAMES_INFORMATION n;
    UNICODE_STRING pattern;
    FILE_FS_SIZE_INFORMATION size;
    int count = 0, txt = 0;
    NTSTATUS st;

    /* A second file next to the host's input.txt, made in the overlay. */
    if (NT_SUCCESS(OpenPath(L"\\SystemRoot\\kmdll-test\\made.dat", GENERIC_WRITE, FILE_CREATE, 0, &f, NULL))) ZwClose(f);
    st = OpenPath(L"\\SystemRoot\\kmdll-test", FILE_LIST_DIRECTORY, FILE_OPEN, FILE_DIRECTORY_FILE, &dir, NULL);
    CHECK(st == STATUS_SUCCESS);
    if (!NT_SUCCESS(st)) return failures;
    st = ZwQueryDirectoryFile(dir, NULL, NULL, NULL, &iosb, buffer, sizeof(buffer), FileDirectoryInformation, FALSE, NULL, FALSE);
    CHECK(st == STATUS_SUCCESS);
    for (e = (PFILE_DIRECTORY_INFORMATION)buffer;; e = (PFILE_DIRECTORY_INFORMATION)((PUCHAR)e + e->NextEntryOffset)) {
        if (count == 0) CHECK(e->FileNameLength == 2 && e->FileName[0] == L'.');
        if (e->FileNameLength == 18 && RtlCompareMemory(e->FileName, L"input.txt", 18) == 18) CHECK(e->EndOfFile.QuadPart == 20);
        count++;
        if (e->NextEntryOffset == 0) break;
    }
    CHECK(count == 4); /* ., .., input.txt, made.dat */
    CHECK(ZwQueryDirectoryFile(dir, NULL, NULL, NULL, &iosb, buffer, sizeof(buffer), FileDirectoryInformation, FALSE, NULL, FALSE) == STATUS_NO_MORE_FILES);

    /* Restart with a pattern, one entry per call, names only. */
    RtlInitUnicodeString(&pattern, L"*.TXT");
    st = ZwQueryDirectoryFile(dir, NULL, NULL, NULL, &iosb, buffer, sizeof(buffer), FileNamesInformation, TRUE, &pattern, TRUE);
    while (st == STATUS_SUCCESS) {
        n = (PFILE_NAMES_INFORMATION)buffer;
        CHECK(n->NextEntryOffset == 0);
        txt++;
        st = ZwQueryDirectoryFile(dir, NULL, NULL, NULL, &iosb, buffer, sizeof(buffer), FileNamesInformation, TRUE, NULL, FALSE);
    }
    CHECK(txt == 1 && st == STATUS_NO_MORE_FILES);
    RtlInitUnicodeString(&pattern, L"*.none");
    CHECK(ZwQueryDirectoryFile(dir, NULL, NULL, NULL, &iosb, buffer, sizeof(buffer), FileBothDirectoryInformation, FALSE, &pattern, TRUE) == STATUS_NO_SUCH_FILE);
    CHECK(ZwQueryDirectoryFile(dir, NULL, NULL, NULL, &iosb, buffer, 8, FileDirectoryInformation, FALSE, NULL, TRUE) == STATUS_INFO_LENGTH_MISMATCH);
    /* The pattern of the last call stays until a new one is given. */
    CHECK(ZwQueryDirectoryFile(dir, NULL, NULL, NULL, &iosb, buffer, sizeof(buffer), FileFullDirectoryInformation, FALSE, NULL, TRUE) == STATUS_NO_SUCH_FILE);
    RtlInitUnicodeString(&pattern, L"made.*");
    CHECK(ZwQueryDirectoryFile(dir, NULL, NULL, NULL, &iosb, buffer, sizeof(buffer), FileFullDirectoryInformation, FALSE, &pattern, TRUE) == STATUS_SUCCESS);
    CHECK(ZwQueryVolumeInformationFile(dir, &iosb, &size, sizeof(size), FileFsSizeInformation) == STATUS_SUCCESS && size.BytesPerSector == 512);
    ZwClose(dir);
    return failures;
}
