/*
 * ZwCreateSection with SEC_IMAGE on a PE file — the driver's own image file on the volume — maps
 * the image as the loader lays it out: SizeOfImage bytes, each section at its RVA; a file that is
 * no image is refused, and an image section needs a file.
 */
#include "qagh.h"

#ifndef SEC_IMAGE
#define SEC_IMAGE 0x1000000
#endif
extern UCHAR __ImageBase[];
ULONG QgPatchableRva(void);

/* PE layout (winnt.h): e_lfanew at 0x3C; "PE\0\0", then SizeOfImage at +0x50 (PE32 and PE32+). */
#define NT_OF(p) ((p) + *(ULONG UNALIGNED *)((p) + 0x3C))
#define SIZE_OF_IMAGE(p) (*(ULONG UNALIGNED *)(NT_OF(p) + 0x50))

static NTSTATUS OpenOwnImage(PHANDLE file)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    RtlInitUnicodeString(&name, L"\\SystemRoot\\System32\\drivers\\qagh.sys");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    return ZwOpenFile(file, FILE_READ_DATA | FILE_EXECUTE | SYNCHRONIZE, &oa, &io, FILE_SHARE_READ, FILE_SYNCHRONOUS_IO_NONALERT);
}

int TestImageSection(void)
{
    int failures = 0;
    HANDLE file = NULL, section = NULL, text = NULL;
    PUCHAR view = NULL, mine = __ImageBase;
    SIZE_T size = 0;
    LARGE_INTEGER max;
    ULONG image = SIZE_OF_IMAGE(mine);
    ULONG rva = QgPatchableRva();
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;

    CHECK(OpenOwnImage(&file) == STATUS_SUCCESS);
    if (!file) return failures;
    /* The section's size is the image's, whatever MaximumSize says. */
    max.QuadPart = 0x1234;
    CHECK(ZwCreateSection(&section, SECTION_MAP_READ | SECTION_MAP_EXECUTE | SECTION_QUERY, NULL, &max, PAGE_EXECUTE_READ, SEC_IMAGE, file) == STATUS_SUCCESS);
    CHECK(max.QuadPart == (LONGLONG)((image + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)));
    if (section) {
        CHECK(ZwMapViewOfSection(section, ZwCurrentProcess(), (PVOID *)&view, 0, 0, NULL, &size, ViewUnmap, 0, PAGE_EXECUTE_READ) == STATUS_SUCCESS);
        CHECK(view != NULL && size >= image);
        if (view) {
            CHECK(view[0] == 'M' && view[1] == 'Z');
            CHECK(RtlCompareMemory(NT_OF(view), "PE\0\0", 4) == 4 && SIZE_OF_IMAGE(view) == image);
            /* Code at its RVA, as in the loaded driver (the patchable routine has no relocations). */
            CHECK(RtlCompareMemory(view + rva, mine + rva, 6) == 6 && view[rva] == 0xB8);
            CHECK(ZwUnmapViewOfSection(ZwCurrentProcess(), view) == STATUS_SUCCESS);
        }
        ZwClose(section);
    }
    ZwClose(file);

    /* A file that is no image; an image section without a file. */
    RtlInitUnicodeString(&name, L"\\SystemRoot\\qagh-text.txt");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwCreateFile(&text, GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL, 0, FILE_OVERWRITE_IF, FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0) == STATUS_SUCCESS);
    if (text) {
        CHECK(ZwWriteFile(text, NULL, NULL, NULL, &io, "plain text", 10, NULL, NULL) == STATUS_SUCCESS);
        CHECK(ZwCreateSection(&section, SECTION_MAP_READ, NULL, NULL, PAGE_READONLY, SEC_IMAGE, text) == STATUS_INVALID_IMAGE_NOT_MZ);
        ZwClose(text);
    }
    max.QuadPart = PAGE_SIZE;
    CHECK(ZwCreateSection(&section, SECTION_MAP_READ, NULL, &max, PAGE_READONLY, SEC_IMAGE, NULL) == STATUS_INVALID_FILE_FOR_SECTION);
    return failures;
}
