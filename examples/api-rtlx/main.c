/*
 * apirtlx.sys — entry points.
 */
#include "apirtlx.h"

#if defined(_X86_)
#define KMDLL_OWN_MACHINE IMAGE_FILE_MACHINE_I386
#else
#define KMDLL_OWN_MACHINE IMAGE_FILE_MACHINE_AMD64
#endif

EXPORT_DRIVER_BOILERPLATE(apirtlx)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

/* Exported so RtlFindExportedRoutineByName can find it. */
int TestImages(void)
{
    int failures = 0;
    PVOID base = NULL;
    PIMAGE_NT_HEADERS nt;
    ULONG size = 0;
    PVOID exports;

    CHECK(RtlPcToFileHeader((PVOID)TestImages, &base) != NULL && base != NULL);
    if (!base) return failures;
    nt = RtlImageNtHeader(base);
    CHECK(nt != NULL && nt->Signature == IMAGE_NT_SIGNATURE && nt->FileHeader.Machine == KMDLL_OWN_MACHINE);
    exports = RtlImageDirectoryEntryToData(base, TRUE, IMAGE_DIRECTORY_ENTRY_EXPORT, &size);
    CHECK(exports != NULL && size > 0);
    CHECK(RtlFindExportedRoutineByName(base, "TestImages") == (PVOID)TestImages);
    CHECK(RtlFindExportedRoutineByName(base, "NoSuchExport") == NULL);
    CHECK(RtlImageNtHeader((PVOID)((PUCHAR)base + 0x10)) == NULL);
    CHECK(RtlPcToFileHeader((PVOID)(ULONG_PTR)0x1000, &base) == NULL && base == NULL);
    return failures;
}
