/*
 * Section objects: backed by the paging file (named, opened again by name, two views that see
 * each other's writes once one is unmapped, a view in system space) and by files on the volume
 * (read-only views, a writable section that extends its file and writes back through its view),
 * MmCreateSection on a FILE_OBJECT, and the argument checks.
 */
#include "apiobio.h"

#define WILD ((PVOID)(ULONG_PTR)0xFFFFA000DEAD0000ULL)
#ifndef SEC_IMAGE
#define SEC_IMAGE 0x1000000
#endif

__declspec(dllimport) extern POBJECT_TYPE *MmSectionObjectType;
__declspec(dllimport) extern POBJECT_TYPE *IoFileObjectType;
#ifndef STATUS_UNABLE_TO_DELETE_SECTION
#define STATUS_UNABLE_TO_DELETE_SECTION ((NTSTATUS)0xC000001BL)
#endif

static NTSTATUS Map(HANDLE Section, PVOID *Base, LONGLONG Offset, SIZE_T *Size, ULONG Protect)
{
    LARGE_INTEGER off;
    off.QuadPart = Offset;
    *Base = NULL;
    return ZwMapViewOfSection(Section, NtCurrentProcess(), Base, 0, 0, &off, Size, ViewUnmap, 0, Protect);
}

/* A file on the volume, shared for reading, writing and deleting (streams.c uses it too). */
NTSTATUS ObioOpenFile(PCWSTR Name, ACCESS_MASK Access, ULONG Disposition, PHANDLE Handle)
{
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    RtlInitUnicodeString(&u, Name);
    INIT_OA(oa, &u, OBJ_CASE_INSENSITIVE);
    *Handle = NULL;
    return ZwCreateFile(Handle, Access | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
        Disposition, FILE_NON_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
}

static ULONG PagefileSections(void)
{
    ULONG failures = 0;
    HANDLE s = NULL, s2 = NULL;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    LARGE_INTEGER max;
    PVOID v1 = NULL, v2 = NULL, sys = NULL, obj = NULL, base = NULL;
    SIZE_T size1 = 0, size2 = 0, sysSize = 0, freeSize = 0;
    LARGE_INTEGER off;

    RtlInitUnicodeString(&name, L"\\BaseNamedObjects\\ApiObIoSection");
    INIT_OA(oa, &name, OBJ_CASE_INSENSITIVE);
    max.QuadPart = 0x3000;
    CHECK(ZwCreateSection(&s, SECTION_ALL_ACCESS, &oa, &max, PAGE_READWRITE, SEC_COMMIT, NULL) == STATUS_SUCCESS);
    CHECK(max.QuadPart == 0x3000);
    CHECK(Map(s, &v1, 0, &size1, PAGE_READWRITE) == STATUS_SUCCESS);
    CHECK(size1 == 0x3000 && ((ULONG_PTR)v1 & 0xFFFF) == 0 && (ULONG_PTR)v1 < (ULONG_PTR)MmHighestUserAddress);
    if (!v1) return failures + 1;
    CHECK(((PUCHAR)v1)[0] == 0 && ((PUCHAR)v1)[0x2fff] == 0);
    RtlCopyMemory(v1, "hello", 5);
    /* The same section by its name: a second view shows the first one's bytes. */
    CHECK(ZwOpenSection(&s2, SECTION_MAP_READ | SECTION_MAP_WRITE, &oa) == STATUS_SUCCESS);
    CHECK(Map(s2, &v2, 0x1000, &size2, PAGE_READWRITE) == STATUS_SUCCESS);
    /* The offset is rounded down to 64 KiB: the view starts at the section's start. */
    CHECK(size2 == 0x3000 && v2 != v1);
    if (!v2) return failures + 1;
    CHECK(RtlCompareMemory(v2, "hello", 5) == 5);
    RtlCopyMemory((PUCHAR)v2 + 0x1000, "page1", 5);
    CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), (PUCHAR)v2 + 0x10) == STATUS_SUCCESS);
    CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), v2) == STATUS_NOT_MAPPED_VIEW);
    /* A view is unmapped, not freed. */
    freeSize = 0;
    base = v1;
    CHECK(ZwFreeVirtualMemory(NtCurrentProcess(), &base, &freeSize, MEM_RELEASE) == STATUS_UNABLE_TO_DELETE_SECTION);

    /* A view in system space of the section object. */
    CHECK(ObReferenceObjectByHandle(s, SECTION_MAP_READ, *MmSectionObjectType, KernelMode, &obj, NULL) == STATUS_SUCCESS);
    CHECK(MmMapViewInSystemSpace(obj, &sys, &sysSize) == STATUS_SUCCESS);
    CHECK(sysSize == 0x3000 && (ULONG_PTR)sys > (ULONG_PTR)MmHighestUserAddress);
    if (sys) {
        CHECK(RtlCompareMemory(sys, "hello", 5) == 5 && RtlCompareMemory((PUCHAR)sys + 0x1000, "page1", 5) == 5);
        RtlCopyMemory((PUCHAR)sys + 0x2000, "sys", 3);
        CHECK(MmUnmapViewInSystemSpace(sys) == STATUS_SUCCESS);
        CHECK(MmUnmapViewInSystemSpace(sys) == STATUS_NOT_MAPPED_VIEW);
    }
    if (obj) ObDereferenceObject(obj);
    CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), v1) == STATUS_SUCCESS);
    CHECK(Map(s2, &v2, 0, &size2, PAGE_READONLY) == STATUS_SUCCESS);
    if (v2) {
        CHECK(RtlCompareMemory(v2, "hello", 5) == 5 && RtlCompareMemory((PUCHAR)v2 + 0x2000, "sys", 3) == 3);
        ZwUnmapViewOfSection(NtCurrentProcess(), v2);
    }

    /* Views that do not fit, protections the section does not allow, bad arguments. */
    size2 = 0x10000;
    CHECK(Map(s, &v2, 0, &size2, PAGE_READWRITE) == STATUS_INVALID_VIEW_SIZE);
    size2 = 0;
    CHECK(Map(s, &v2, 0x4000, &size2, PAGE_READWRITE) == STATUS_INVALID_VIEW_SIZE);
    CHECK(Map(s, &v2, 0, &size2, PAGE_NOACCESS) == STATUS_INVALID_PAGE_PROTECTION);
    off.QuadPart = 0;
    size2 = 0;
    CHECK(ZwMapViewOfSection(s, NtCurrentProcess(), &v2, 0, 0, &off, &size2, (SECTION_INHERIT)7, 0, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_8);
    v2 = (PVOID)(ULONG_PTR)0x12345000;
    CHECK(ZwMapViewOfSection(s, NtCurrentProcess(), &v2, 0, 0, &off, &size2, ViewUnmap, 0, PAGE_READWRITE) == STATUS_MAPPED_ALIGNMENT);
    CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), (PVOID)(ULONG_PTR)0x1000) == STATUS_NOT_MAPPED_VIEW);
    ZwClose(s2);
    ZwClose(s);
    /* The name went with the last handle. */
    CHECK(ZwOpenSection(&s2, SECTION_MAP_READ, &oa) == STATUS_OBJECT_NAME_NOT_FOUND);
    /* A paging-file section needs a size; a protection must be one PAGE_* value. */
    CHECK(ZwCreateSection(&s, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE, SEC_COMMIT, NULL) == STATUS_INVALID_PARAMETER_4);
    max.QuadPart = 0x1000;
    CHECK(ZwCreateSection(&s, SECTION_ALL_ACCESS, NULL, &max, PAGE_NOACCESS, SEC_COMMIT, NULL) == STATUS_INVALID_PAGE_PROTECTION);
    return failures;
}

static ULONG FileSections(void)
{
    ULONG failures = 0;
    HANDLE f = NULL, ro = NULL, empty = NULL, s = NULL;
    IO_STATUS_BLOCK io;
    LARGE_INTEGER max, zero;
    PVOID v = NULL, sec = NULL, sys = NULL;
    SIZE_T size = 0;
    PFILE_OBJECT fo = NULL;
    FILE_STANDARD_INFORMATION std;
    char text[] = "file contents";
    char back[16] = { 0 };

    CHECK(ObioOpenFile(L"\\??\\C:\\obio-map.txt", GENERIC_READ | GENERIC_WRITE, FILE_OVERWRITE_IF, &f) == STATUS_SUCCESS);
    CHECK(ZwWriteFile(f, NULL, NULL, NULL, &io, text, 13, NULL, NULL) == STATUS_SUCCESS);
    /* Read-only: the file's size, page-rounded view, zeros after the end of file. */
    CHECK(ZwCreateSection(&s, SECTION_MAP_READ, NULL, NULL, PAGE_READONLY, SEC_COMMIT, f) == STATUS_SUCCESS);
    CHECK(Map(s, &v, 0, &size, PAGE_READONLY) == STATUS_SUCCESS);
    CHECK(size == PAGE_SIZE);
    if (v) {
        CHECK(RtlCompareMemory(v, text, 13) == 13 && ((PUCHAR)v)[13] == 0);
        ZwUnmapViewOfSection(NtCurrentProcess(), v);
    }
    CHECK(Map(s, &v, 0, &size, PAGE_READWRITE) == STATUS_SECTION_PROTECTION);
    ZwClose(s);
    /* Read-only, larger than the file: refused; writable: the file grows. */
    max.QuadPart = 0x2000;
    CHECK(ZwCreateSection(&s, SECTION_MAP_READ, NULL, &max, PAGE_READONLY, SEC_COMMIT, f) == STATUS_SECTION_TOO_BIG);
    CHECK(ZwCreateSection(&s, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE, SEC_COMMIT, f) == STATUS_SUCCESS);
    CHECK(ZwQueryInformationFile(f, &io, &std, sizeof(std), FileStandardInformation) == STATUS_SUCCESS);
    CHECK(std.EndOfFile.QuadPart == 0x2000);
    size = 0;
    CHECK(Map(s, &v, 0, &size, PAGE_READWRITE) == STATUS_SUCCESS);
    if (v) {
        ((PUCHAR)v)[0] = 'F';
        ((PUCHAR)v)[0x1ffe] = 'Z';
        CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), v) == STATUS_SUCCESS);
    }
    zero.QuadPart = 0;
    CHECK(ZwReadFile(f, NULL, NULL, NULL, &io, back, 13, &zero, NULL) == STATUS_SUCCESS);
    CHECK(RtlCompareMemory(back, "File contents", 13) == 13);
    zero.QuadPart = 0x1ffe;
    CHECK(ZwReadFile(f, NULL, NULL, NULL, &io, back, 2, &zero, NULL) == STATUS_SUCCESS);
    CHECK(back[0] == 'Z' && back[1] == 0);
    ZwClose(s);

    /* MmCreateSection on the FILE_OBJECT, mapped in system space and in the process. */
    CHECK(ObReferenceObjectByHandle(f, 0, *IoFileObjectType, KernelMode, (PVOID *)&fo, NULL) == STATUS_SUCCESS);
    CHECK(MmCreateSection(&sec, SECTION_MAP_READ, NULL, NULL, PAGE_READONLY, SEC_COMMIT, NULL, fo) == STATUS_SUCCESS);
    if (sec) {
        size = 0;
        CHECK(MmMapViewInSystemSpace(sec, &sys, &size) == STATUS_SUCCESS);
        CHECK(size == 0x2000 && sys != NULL && RtlCompareMemory(sys, "File contents", 13) == 13);
        if (sys) MmUnmapViewInSystemSpace(sys);
        size = 0;
        v = NULL;
        CHECK(MmMapViewOfSection(sec, PsGetCurrentProcess(), &v, 0, 0, NULL, &size, ViewUnmap, 0, PAGE_READONLY) == STATUS_SUCCESS);
        CHECK(v != NULL && ((PUCHAR)v)[0x1ffe] == 'Z');
        CHECK(MmUnmapViewOfSection(PsGetCurrentProcess(), v) == STATUS_SUCCESS);
        CHECK(MmUnmapViewOfSection(PsGetCurrentProcess(), v) == STATUS_NOT_MAPPED_VIEW);
        ObDereferenceObject(sec);
    }
    if (fo) ObDereferenceObject(fo);

    /* A writable section needs write access; an empty file has nothing to map; a text file is no image. */
    CHECK(ObioOpenFile(L"\\??\\C:\\obio-map.txt", GENERIC_READ, FILE_OPEN, &ro) == STATUS_SUCCESS);
    CHECK(ZwCreateSection(&s, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE, SEC_COMMIT, ro) == STATUS_ACCESS_DENIED);
    CHECK(ZwCreateSection(&s, SECTION_MAP_READ, NULL, NULL, PAGE_READONLY, SEC_IMAGE, ro) == STATUS_INVALID_IMAGE_NOT_MZ);
    ZwClose(ro);
    CHECK(ObioOpenFile(L"\\??\\C:\\obio-empty.txt", GENERIC_READ | GENERIC_WRITE, FILE_OVERWRITE_IF, &empty) == STATUS_SUCCESS);
    CHECK(ZwCreateSection(&s, SECTION_MAP_READ, NULL, NULL, PAGE_READONLY, SEC_COMMIT, empty) == STATUS_MAPPED_FILE_SIZE_ZERO);
    ZwClose(empty);
    CHECK(ZwCreateSection(&s, SECTION_MAP_READ, NULL, NULL, PAGE_READONLY, SEC_COMMIT, (HANDLE)(ULONG_PTR)0x7ff0) == STATUS_INVALID_HANDLE);
    ZwClose(f);
    return failures;
}

ULONG NTAPI TestSections(void)
{
    return PagefileSections() + FileSections();
}

ULONG NTAPI WildSectionSize(void)
{
    HANDLE s;
    return (ULONG)ZwCreateSection(&s, SECTION_ALL_ACCESS, NULL, (PLARGE_INTEGER)WILD, PAGE_READWRITE, SEC_COMMIT, NULL);
}
