/*
 * Physical memory: MmGetPhysicalAddress / MmGetVirtualForPhysical, MmMapIoSpace(Ex) of a pool
 * buffer's own frame (the "read physical memory" pattern of hardware utilities), device memory
 * from the machine model, \Device\PhysicalMemory views, MmCopyMemory and the RAM ranges.
 */
#include "apihw.h"

int TestPhysicalMemory(void)
{
    int failures = 0;
    UCHAR *buf = (UCHAR *)ExAllocatePoolWithTag(NonPagedPool, 64, HW_TAG);
    PHYSICAL_ADDRESS pa, pa2, bios;
    UCHAR *view;
    UCHAR copy[16];
    SIZE_T done = 0;
    MM_COPY_ADDRESS src;
    PPHYSICAL_MEMORY_RANGE ranges;
    ULONG i;
    NTSTATUS st;

    if (!buf) return 1;
    RtlFillMemory(buf, 64, 0x5A);
    pa = MmGetPhysicalAddress(buf);
    pa2 = MmGetPhysicalAddress(buf + 8);
    CHECK(pa.QuadPart != 0);
    CHECK(pa2.QuadPart == pa.QuadPart + 8);
    CHECK((pa.QuadPart & 0xFFF) == ((ULONG_PTR)buf & 0xFFF));
    CHECK(MmGetVirtualForPhysical(pa) == buf);

    /* A mapping of the buffer's frame sees its bytes; writes through it reach the buffer at unmap. */
    view = (UCHAR *)MmMapIoSpace(pa, 16, MmNonCached);
    CHECK(view != NULL);
    if (view) {
        CHECK(((ULONG_PTR)view & 0xFFF) == (pa.QuadPart & 0xFFF));
        CHECK(view[0] == 0x5A && view[15] == 0x5A);
        view[1] = 0xA5;
        MmUnmapIoSpace(view, 16);
        CHECK(buf[1] == 0xA5);
    }

    /* Device memory from the machine model: "kmdll BIOS" at 0xF0000. */
    bios.QuadPart = 0xF0000;
    view = (UCHAR *)MmMapIoSpaceEx(bios, 0x1000, PAGE_READWRITE | PAGE_NOCACHE);
    CHECK(view != NULL);
    if (view) {
        CHECK(RtlCompareMemory(view, "kmdll BIOS", 10) == 10);
        view[0x100] = 0x42;
        MmUnmapIoSpace(view, 0x1000);
    }
    /* The write reached physical memory: a second mapping sees it. */
    view = (UCHAR *)MmMapIoSpace(bios, 0x200, MmNonCached);
    CHECK(view != NULL && view[0x100] == 0x42);
    if (view) MmUnmapIoSpace(view, 0x200);
    /* Executable or zero-sized mappings are refused. */
    CHECK(MmMapIoSpaceEx(bios, 0x1000, PAGE_EXECUTE_READWRITE) == NULL);
    CHECK(MmMapIoSpace(bios, 0, MmNonCached) == NULL);

    /* MmCopyMemory from a physical address and from virtual memory. */
    src.PhysicalAddress = bios;
    st = MmCopyMemory(copy, src, 10, MM_COPY_MEMORY_PHYSICAL, &done);
    CHECK(st == STATUS_SUCCESS && done == 10 && RtlCompareMemory(copy, "kmdll BIOS", 10) == 10);
    src.VirtualAddress = buf;
    st = MmCopyMemory(copy, src, 4, MM_COPY_MEMORY_VIRTUAL, &done);
    CHECK(st == STATUS_SUCCESS && done == 4 && copy[1] == 0xA5);
    src.VirtualAddress = (PVOID)(ULONG_PTR)0xFFFFA00000000000ULL;
    st = MmCopyMemory(copy, src, 4, MM_COPY_MEMORY_VIRTUAL, &done);
    CHECK(st == STATUS_PARTIAL_COPY && done == 0);
    CHECK(MmCopyMemory(copy, src, 4, 3, &done) == STATUS_INVALID_PARAMETER);

    /* RAM ranges: a zero-terminated array from pool; the default machine has 2 ranges, 2 GiB. */
    ranges = MmGetPhysicalMemoryRanges();
    CHECK(ranges != NULL);
    if (ranges) {
        ULONGLONG total = 0;
        for (i = 0; ranges[i].NumberOfBytes.QuadPart != 0; i++) total += ranges[i].NumberOfBytes.QuadPart;
        CHECK(i == 2);
        CHECK(total == 0x9E000ULL + 0x7FF00000ULL);
        CHECK(ranges[0].BaseAddress.QuadPart == 0x1000);
        ExFreePool(ranges);
    }
    ExFreePoolWithTag(buf, HW_TAG);
    return failures;
}

int TestSection(void)
{
    int failures = 0;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    HANDLE section = NULL;
    PVOID base = NULL;
    SIZE_T size = 0x20;
    LARGE_INTEGER offset;
    NTSTATUS st;

    RtlInitUnicodeString(&name, L"\\Device\\PhysicalMemory");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    st = ZwOpenSection(&section, SECTION_ALL_ACCESS, &oa);
    CHECK(st == STATUS_SUCCESS);
    offset.QuadPart = 0xF0004;
    st = ZwMapViewOfSection(section, ZwCurrentProcess(), &base, 0, 0, &offset, &size, ViewUnmap, 0, PAGE_READWRITE);
    CHECK(st == STATUS_SUCCESS);
    /* The offset is rounded down to a page and the size up to whole pages. */
    CHECK(offset.QuadPart == 0xF0000 && size == 0x1000);
    if (NT_SUCCESS(st)) {
        CHECK(RtlCompareMemory(base, "kmdll", 5) == 5);
        CHECK(ZwUnmapViewOfSection(ZwCurrentProcess(), base) == STATUS_SUCCESS);
        CHECK(ZwUnmapViewOfSection(ZwCurrentProcess(), base) != STATUS_SUCCESS);
    }
    ZwClose(section);

    RtlInitUnicodeString(&name, L"\\Device\\NoSuchSection");
    CHECK(ZwOpenSection(&section, SECTION_ALL_ACCESS, &oa) == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures;
}
