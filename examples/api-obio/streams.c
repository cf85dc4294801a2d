/*
 * What a file object on the volume shares with the other opens of the same file: the file
 * system's stream context (FsContext, which begins with an FSRTL_COMMON_FCB_HEADER giving the
 * file's sizes) and its SECTION_OBJECT_POINTERS; FsContext2 is each open's own. Then the
 * force-delete pattern of anti-malware tools: clear ImageSectionObject through the file object,
 * set DeleteAccess, and delete the file by name.
 */
#include "apiobio.h"

static PFILE_OBJECT FileOf(HANDLE Handle)
{
    PFILE_OBJECT fo = NULL;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, *IoFileObjectType, KernelMode, (PVOID *)&fo, NULL))) return NULL;
    return fo;
}

ULONG NTAPI TestFileStreams(void)
{
    ULONG failures = 0;
    HANDLE a = NULL, b = NULL, other = NULL;
    PFILE_OBJECT fa = NULL, fb = NULL, fo = NULL;
    PFSRTL_COMMON_FCB_HEADER fcb;
    IO_STATUS_BLOCK io;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    static const char text[] = "twelve bytes";

    CHECK(ObioOpenFile(L"\\??\\C:\\obio-stream.txt", GENERIC_READ | GENERIC_WRITE, FILE_OVERWRITE_IF, &a) == STATUS_SUCCESS);
    CHECK(ZwWriteFile(a, NULL, NULL, NULL, &io, (PVOID)text, 12, NULL, NULL) == STATUS_SUCCESS);
    CHECK(ObioOpenFile(L"\\??\\C:\\OBIO-STREAM.TXT", GENERIC_READ, FILE_OPEN, &b) == STATUS_SUCCESS);
    CHECK(ObioOpenFile(L"\\??\\C:\\obio-other.txt", GENERIC_READ | GENERIC_WRITE, FILE_OVERWRITE_IF, &other) == STATUS_SUCCESS);
    fa = FileOf(a);
    fb = FileOf(b);
    fo = FileOf(other);
    CHECK(fa != NULL && fb != NULL && fo != NULL);
    if (fa && fb && fo) {
        /* One stream, two opens: the same FsContext and section pointers, their own FsContext2. */
        CHECK(fa->FsContext != NULL && fa->FsContext == fb->FsContext);
        CHECK(fa->SectionObjectPointer != NULL && fa->SectionObjectPointer == fb->SectionObjectPointer);
        CHECK(fa->FsContext2 != NULL && fb->FsContext2 != NULL && fa->FsContext2 != fb->FsContext2);
        /* Another file: another stream. */
        CHECK(fo->FsContext != NULL && fo->FsContext != fa->FsContext && fo->SectionObjectPointer != fa->SectionObjectPointer);
        /* No cache map, no sections of the file. */
        CHECK(fa->SectionObjectPointer->DataSectionObject == NULL && fa->SectionObjectPointer->SharedCacheMap == NULL &&
              fa->SectionObjectPointer->ImageSectionObject == NULL);
        CHECK(!CcIsFileCached(fa));
        /* The FCB header has the file's sizes, and follows writes through any handle. */
        fcb = (PFSRTL_COMMON_FCB_HEADER)fa->FsContext;
        CHECK(fcb->FileSize.QuadPart == 12 && fcb->ValidDataLength.QuadPart == 12 && fcb->AllocationSize.QuadPart >= 12);
        CHECK(ZwWriteFile(a, NULL, NULL, NULL, &io, (PVOID)text, 12, NULL, NULL) == STATUS_SUCCESS);
        CHECK(fcb->FileSize.QuadPart == 24);
        CHECK(((PFSRTL_COMMON_FCB_HEADER)fo->FsContext)->FileSize.QuadPart == 0);
        /* Access the open was granted. */
        CHECK(fa->ReadAccess && fa->WriteAccess && !fa->DeleteAccess && fb->ReadAccess && !fb->WriteAccess);
        /* Force delete: what such tools write before deleting a file by name. */
        fb->SectionObjectPointer->ImageSectionObject = NULL;
        fb->DeleteAccess = TRUE;
    }
    if (fa) ObDereferenceObject(fa);
    if (fb) ObDereferenceObject(fb);
    if (fo) ObDereferenceObject(fo);
    CHECK(ZwClose(a) == STATUS_SUCCESS);
    CHECK(ZwClose(b) == STATUS_SUCCESS);
    CHECK(ZwClose(other) == STATUS_SUCCESS);
    RtlInitUnicodeString(&name, L"\\??\\C:\\obio-stream.txt");
    INIT_OA(oa, &name, OBJ_CASE_INSENSITIVE);
    CHECK(ZwDeleteFile(&oa) == STATUS_SUCCESS);
    CHECK(ObioOpenFile(L"\\??\\C:\\obio-stream.txt", GENERIC_READ, FILE_OPEN, &a) == STATUS_OBJECT_NAME_NOT_FOUND);
    RtlInitUnicodeString(&name, L"\\??\\C:\\obio-other.txt");
    CHECK(ZwDeleteFile(&oa) == STATUS_SUCCESS);
    return failures;
}
