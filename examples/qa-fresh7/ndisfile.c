/*
 * NdisOpenFile / NdisMapFile / NdisUnmapFile / NdisCloseFile (Learn, ndis.h), as Intel's Wi-Fi
 * miniports load their firmware image from the drivers directory in DriverEntry: the driver
 * writes the file itself first (ZwCreateFile under \SystemRoot\System32\drivers), then maps it.
 */
#include "qafresh7.h"

typedef int QA_NDIS_STATUS;
typedef PVOID QA_NDIS_HANDLE;
#define QA_NDIS_STATUS_FILE_NOT_FOUND ((QA_NDIS_STATUS)0xC001001BL)
#define QA_NDIS_STATUS_ALREADY_MAPPED ((QA_NDIS_STATUS)0xC001001DL)
__declspec(dllimport) VOID NTAPI NdisOpenFile(QA_NDIS_STATUS *Status, QA_NDIS_HANDLE *FileHandle, unsigned int *FileLength, PUNICODE_STRING FileName, PHYSICAL_ADDRESS HighestAcceptableAddress);
__declspec(dllimport) VOID NTAPI NdisMapFile(QA_NDIS_STATUS *Status, PVOID *MappedBuffer, QA_NDIS_HANDLE FileHandle);
__declspec(dllimport) VOID NTAPI NdisUnmapFile(QA_NDIS_HANDLE FileHandle);
__declspec(dllimport) VOID NTAPI NdisCloseFile(QA_NDIS_HANDLE FileHandle);

static const UCHAR Image[12] = { 'Q', 'A', '7', 'F', 'W', 1, 2, 3, 4, 5, 6, 7 };

static NTSTATUS WriteImage(void)
{
    UNICODE_STRING path = RTL_CONSTANT_STRING(L"\\SystemRoot\\System32\\drivers\\qafresh7.bin");
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    HANDLE h = NULL;
    NTSTATUS st;
    InitializeObjectAttributes(&oa, &path, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    st = ZwCreateFile(&h, GENERIC_WRITE | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL, 0, FILE_OVERWRITE_IF, FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE, NULL, 0);
    if (!NT_SUCCESS(st)) return st;
    st = ZwWriteFile(h, NULL, NULL, NULL, &io, (PVOID)Image, sizeof(Image), NULL, NULL);
    ZwClose(h);
    return st;
}

__declspec(dllexport) ULONG TestNdisFiles(void)
{
    ULONG failures = 0;
    QA_NDIS_STATUS status = -1;
    QA_NDIS_HANDLE file = NULL;
    unsigned int length = 0;
    PVOID mapped = NULL, again = NULL;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"qafresh7.bin");
    UNICODE_STRING missing = RTL_CONSTANT_STRING(L"qafresh7-missing.bin");
    PHYSICAL_ADDRESS highest;
    highest.QuadPart = -1;
    /* Not there: NDIS_STATUS_FILE_NOT_FOUND. */
    NdisOpenFile(&status, &file, &length, &missing, highest);
    CHECK(status == QA_NDIS_STATUS_FILE_NOT_FOUND);
    CHECK(WriteImage() == STATUS_SUCCESS);
    NdisOpenFile(&status, &file, &length, &name, highest);
    CHECK(status == 0 && file != NULL && length == sizeof(Image));
    if (status != 0) return failures;
    NdisMapFile(&status, &mapped, file);
    CHECK(status == 0 && mapped != NULL);
    if (mapped != NULL) CHECK(RtlCompareMemory(mapped, Image, sizeof(Image)) == sizeof(Image));
    /* Mapped twice: NDIS_STATUS_ALREADY_MAPPED; after an unmap it maps again. */
    NdisMapFile(&status, &again, file);
    CHECK(status == QA_NDIS_STATUS_ALREADY_MAPPED);
    NdisUnmapFile(file);
    NdisMapFile(&status, &again, file);
    CHECK(status == 0 && again != NULL);
    /* Closing a mapped file unmaps it. */
    NdisCloseFile(file);
    return failures;
}
