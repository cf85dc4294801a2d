/*
 * apirank.sys — ZwFlushVirtualMemory (ntifs.h, Microsoft Learn): a view of a file section in the
 * process's user space, flushed page by page; the file sees the changed bytes before the view is
 * unmapped. Then the documented failures.
 */
#include "apirank.h"

static NTSTATUS OpenFile(PCWSTR Name, PHANDLE Handle)
{
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    RtlInitUnicodeString(&u, Name);
    InitializeObjectAttributes(&oa, &u, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    *Handle = NULL;
    return ZwCreateFile(Handle, GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL,
        FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
}

static UCHAR ReadByte(HANDLE File, LONGLONG Offset)
{
    IO_STATUS_BLOCK io;
    LARGE_INTEGER at;
    UCHAR b = 0xEE;
    at.QuadPart = Offset;
    ZwReadFile(File, NULL, NULL, NULL, &io, &b, 1, &at, NULL);
    return b;
}

int TestFlushVirtualMemory(void)
{
    int failures = 0;
    HANDLE f = NULL, s = NULL;
    LARGE_INTEGER max, off;
    IO_STATUS_BLOCK io;
    PUCHAR v = NULL;
    PVOID base, priv = NULL;
    SIZE_T size = 0;

    CHECK(OpenFile(L"\\??\\C:\\rank-flush.bin", &f) == STATUS_SUCCESS);
    max.QuadPart = 0x2000;
    CHECK(ZwCreateSection(&s, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE, SEC_COMMIT, f) == STATUS_SUCCESS);
    off.QuadPart = 0;
    CHECK(ZwMapViewOfSection(s, NtCurrentProcess(), (PVOID *)&v, 0, 0, &off, &size, ViewUnmap, 0, PAGE_READWRITE) == STATUS_SUCCESS);
    CHECK(v != NULL && size == 0x2000);
    if (!v) goto done;
    v[0x10] = 'A';
    v[0x1010] = 'B';

    /* One byte: its page is flushed, the range comes back page-rounded. */
    base = v + 0x10;
    size = 1;
    io.Status = STATUS_PENDING;
    io.Information = 77;
    CHECK(ZwFlushVirtualMemory(NtCurrentProcess(), &base, &size, &io) == STATUS_SUCCESS);
    CHECK(base == v && size == PAGE_SIZE);
    CHECK(io.Status == STATUS_SUCCESS && io.Information == 0);
    CHECK(ReadByte(f, 0x10) == 'A');
    CHECK(ReadByte(f, 0x1010) == 0); /* the second page is not flushed yet */
    /* RegionSize 0: to the end of the view. */
    base = v + 0x1800;
    size = 0;
    CHECK(ZwFlushVirtualMemory(NtCurrentProcess(), &base, &size, &io) == STATUS_SUCCESS);
    CHECK(base == v + 0x1000 && size == 0x1000);
    CHECK(ReadByte(f, 0x1010) == 'B');

    /* Past the view's end; private memory; a kernel address; no process. */
    base = v;
    size = 0x3000;
    CHECK(ZwFlushVirtualMemory(NtCurrentProcess(), &base, &size, &io) == STATUS_NOT_MAPPED_VIEW);
    size = PAGE_SIZE;
    CHECK(ZwAllocateVirtualMemory(NtCurrentProcess(), &priv, 0, &size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE) == STATUS_SUCCESS);
    base = priv;
    size = 0;
    CHECK(ZwFlushVirtualMemory(NtCurrentProcess(), &base, &size, &io) == STATUS_NOT_MAPPED_VIEW);
    size = 0;
    if (priv) ZwFreeVirtualMemory(NtCurrentProcess(), &priv, &size, MEM_RELEASE);
    base = (PVOID)&ReadByte;
    size = 1;
    CHECK(ZwFlushVirtualMemory(NtCurrentProcess(), &base, &size, &io) == STATUS_INVALID_PARAMETER_2);
    base = v;
    CHECK(ZwFlushVirtualMemory((HANDLE)(ULONG_PTR)0x1234, &base, &size, &io) == STATUS_INVALID_HANDLE);
    CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), v) == STATUS_SUCCESS);
done:
    if (s) ZwClose(s);
    if (f) ZwClose(f);
    return failures;
}
