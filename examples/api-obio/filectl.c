/*
 * Control requests on file handles — to our own device (IRP_MJ_DEVICE_CONTROL and
 * IRP_MJ_FILE_SYSTEM_CONTROL reach Dispatch in main.c) and to the volume's file system — and
 * byte-range locks.
 */
#include "apiobio.h"

/* NTFS_VOLUME_DATA_BUFFER (winioctl.h). */
typedef struct _OBIO_NTFS_VOLUME_DATA {
    LARGE_INTEGER VolumeSerialNumber, NumberSectors, TotalClusters, FreeClusters, TotalReserved;
    ULONG BytesPerSector, BytesPerCluster, BytesPerFileRecordSegment, ClustersPerFileRecordSegment;
    LARGE_INTEGER MftValidDataLength, MftStartLcn, Mft2StartLcn, MftZoneStart, MftZoneEnd;
} OBIO_NTFS_VOLUME_DATA;

#define FSCTL_LOCK_VOLUME_ CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 6, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define FSCTL_UNLOCK_VOLUME_ CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 7, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define FSCTL_IS_VOLUME_MOUNTED_ CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 10, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define FSCTL_GET_NTFS_VOLUME_DATA_ CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 25, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define FSCTL_GET_REPARSE_POINT_ CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 42, METHOD_BUFFERED, FILE_ANY_ACCESS)

static NTSTATUS Open(PCWSTR Name, ACCESS_MASK Access, ULONG Disposition, ULONG Options, PHANDLE Handle)
{
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    RtlInitUnicodeString(&u, Name);
    INIT_OA(oa, &u, OBJ_CASE_INSENSITIVE);
    *Handle = NULL;
    return ZwCreateFile(Handle, Access | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ | FILE_SHARE_WRITE, Disposition,
        Options | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
}

ULONG NTAPI TestFileControl(void)
{
    ULONG failures = 0, creates = g_Creates, cleanups = g_Cleanups, closes = g_Closes;
    HANDLE h = NULL, root = NULL, file = NULL, dev = NULL;
    IO_STATUS_BLOCK io;
    UCHAR in[4] = { 1, 2, 3, 4 }, out[4] = { 0 };
    PFILE_OBJECT fo = NULL;
    UNICODE_STRING want, name;
    OBJECT_ATTRIBUTES oa;
    OBIO_NTFS_VOLUME_DATA nv;
    FILE_FS_SIZE_INFORMATION size;
    LARGE_INTEGER offset;

    /* Our own device, by its link, with a path after the device name. */
    CHECK(Open(L"\\??\\ApiObIo\\sub\\name", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, 0, &h) == STATUS_SUCCESS);
    CHECK(g_Creates == creates + 1);
    RtlInitUnicodeString(&want, L"\\sub\\name");
    CHECK(RtlEqualUnicodeString(&g_LastCreateName, &want, FALSE));
    CHECK(ObReferenceObjectByHandle(h, 0, *IoFileObjectType, KernelMode, (PVOID *)&fo, NULL) == STATUS_SUCCESS);
    CHECK(fo != NULL && fo->DeviceObject == g_Device);
    if (fo) ObDereferenceObject(fo);
    RtlZeroMemory(&io, sizeof(io));
    CHECK(ZwDeviceIoControlFile(h, NULL, NULL, NULL, &io, IOCTL_OBIO_ECHO, in, sizeof(in), out, sizeof(out)) == STATUS_SUCCESS);
    CHECK(io.Status == STATUS_SUCCESS && io.Information == sizeof(out));
    CHECK(out[0] == 4 && out[1] == 3 && out[2] == 2 && out[3] == 1 && in[0] == 1);
    CHECK(ZwDeviceIoControlFile(h, NULL, NULL, NULL, &io, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x9ff, METHOD_BUFFERED, FILE_ANY_ACCESS), NULL, 0, NULL, 0) == STATUS_INVALID_DEVICE_REQUEST);
    CHECK(ZwFsControlFile(h, NULL, NULL, NULL, &io, FSCTL_OBIO_PING, NULL, 0, NULL, 0) == STATUS_SUCCESS);
    CHECK(g_LastFsctl == FSCTL_OBIO_PING);
    /* Reads and writes are IRPs to the device, through its system buffer (DO_BUFFERED_IO). */
    offset.QuadPart = 5;
    CHECK(ZwWriteFile(h, NULL, NULL, NULL, &io, "abc", 3, &offset, NULL) == STATUS_SUCCESS);
    CHECK(io.Information == 3 && g_LastOffset == 5 && RtlCompareMemory(g_LastWrite, "abc", 3) == 3);
    offset.QuadPart = 9;
    RtlZeroMemory(out, sizeof(out));
    CHECK(ZwReadFile(h, NULL, NULL, NULL, &io, out, sizeof(out), &offset, NULL) == STATUS_SUCCESS);
    CHECK(io.Information == sizeof(out) && g_LastOffset == 9 && out[0] == 'R' && out[3] == 'R');
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    CHECK(Open(L"\\??\\ApiObIo", GENERIC_READ, FILE_OPEN, 0, &h) == STATUS_SUCCESS);
    CHECK(ZwWriteFile(h, NULL, NULL, NULL, &io, "abc", 3, &offset, NULL) == STATUS_ACCESS_DENIED);
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    cleanups++;
    closes++;
    CHECK(g_Cleanups == cleanups + 1 && g_Closes == closes + 1);
    CHECK(g_Creates == creates + 2);

    /* Not a file handle; no handle. */
    RtlInitUnicodeString(&name, L"\\Device\\ApiObIo");
    INIT_OA(oa, &name, 0);
    CHECK(ObOpenObjectByName(&oa, NULL, KernelMode, NULL, GENERIC_READ, NULL, &dev) == STATUS_SUCCESS);
    CHECK(ZwFsControlFile(dev, NULL, NULL, NULL, &io, FSCTL_IS_VOLUME_MOUNTED_, NULL, 0, NULL, 0) == STATUS_OBJECT_TYPE_MISMATCH);
    ZwClose(dev);
    /* No such device: the name's leaf is missing in \Device; a path below it is not found. */
    CHECK(Open(L"\\Device\\NoSuchDevice", GENERIC_READ, FILE_OPEN, 0, &file) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(Open(L"\\Device\\NoSuchDevice\\x", GENERIC_READ, FILE_OPEN, 0, &file) == STATUS_OBJECT_PATH_NOT_FOUND);
    CHECK(Open(L"\\??\\NoSuchLink", GENERIC_READ, FILE_OPEN, 0, &file) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(ZwDeviceIoControlFile((HANDLE)(ULONG_PTR)0x7ff0, NULL, NULL, NULL, &io, IOCTL_OBIO_ECHO, NULL, 0, NULL, 0) == STATUS_INVALID_HANDLE);

    /* The volume's file system. */
    CHECK(Open(L"\\??\\C:\\", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE, &root) == STATUS_SUCCESS);
    CHECK(ZwFsControlFile(root, NULL, NULL, NULL, &io, FSCTL_IS_VOLUME_MOUNTED_, NULL, 0, NULL, 0) == STATUS_SUCCESS);
    CHECK(ZwFsControlFile(root, NULL, NULL, NULL, &io, FSCTL_GET_NTFS_VOLUME_DATA_, NULL, 0, &nv, sizeof(nv)) == STATUS_SUCCESS);
    CHECK(io.Information == sizeof(nv) && nv.BytesPerSector == 512 && nv.BytesPerCluster == 4096);
    /* The same geometry as FileFsSizeInformation. */
    CHECK(ZwQueryVolumeInformationFile(root, &io, &size, sizeof(size), FileFsSizeInformation) == STATUS_SUCCESS);
    CHECK(nv.TotalClusters.QuadPart == size.TotalAllocationUnits.QuadPart && nv.FreeClusters.QuadPart == size.AvailableAllocationUnits.QuadPart);
    CHECK(nv.BytesPerCluster == size.SectorsPerAllocationUnit * size.BytesPerSector);
    CHECK(ZwFsControlFile(root, NULL, NULL, NULL, &io, FSCTL_GET_NTFS_VOLUME_DATA_, NULL, 0, &nv, 8) == STATUS_BUFFER_TOO_SMALL);
    CHECK(ZwFsControlFile(root, NULL, NULL, NULL, &io, FSCTL_LOCK_VOLUME_, NULL, 0, NULL, 0) == STATUS_ACCESS_DENIED);
    CHECK(ZwFsControlFile(root, NULL, NULL, NULL, &io, FSCTL_UNLOCK_VOLUME_, NULL, 0, NULL, 0) == STATUS_NOT_LOCKED);
    CHECK(ZwFsControlFile(root, NULL, NULL, NULL, &io, 0x12345, NULL, 0, NULL, 0) == STATUS_INVALID_DEVICE_REQUEST);
    CHECK(ZwDeviceIoControlFile(root, NULL, NULL, NULL, &io, IOCTL_OBIO_ECHO, NULL, 0, NULL, 0) == STATUS_INVALID_DEVICE_REQUEST);
    CHECK(Open(L"\\??\\C:\\obio-ctl.txt", GENERIC_READ | GENERIC_WRITE, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, &file) == STATUS_SUCCESS);
    CHECK(ZwFsControlFile(file, NULL, NULL, NULL, &io, FSCTL_GET_REPARSE_POINT_, NULL, 0, out, sizeof(out)) == STATUS_NOT_A_REPARSE_POINT);
    ZwClose(file);
    ZwClose(root);
    return failures;
}

static NTSTATUS LockRange(HANDLE H, LONGLONG Offset, LONGLONG Length, BOOLEAN Fail, BOOLEAN Exclusive)
{
    IO_STATUS_BLOCK io;
    LARGE_INTEGER o, l;
    o.QuadPart = Offset;
    l.QuadPart = Length;
    return ZwLockFile(H, NULL, NULL, NULL, &io, &o, &l, 0, Fail, Exclusive);
}

static NTSTATUS UnlockRange(HANDLE H, LONGLONG Offset, LONGLONG Length)
{
    IO_STATUS_BLOCK io;
    LARGE_INTEGER o, l;
    o.QuadPart = Offset;
    l.QuadPart = Length;
    return ZwUnlockFile(H, &io, &o, &l, 0);
}

static NTSTATUS Transfer(HANDLE H, BOOLEAN Write, LONGLONG Offset, ULONG Length)
{
    IO_STATUS_BLOCK io;
    LARGE_INTEGER o;
    UCHAR buffer[16] = { 0 };
    o.QuadPart = Offset;
    return Write ? ZwWriteFile(H, NULL, NULL, NULL, &io, buffer, Length, &o, NULL) : ZwReadFile(H, NULL, NULL, NULL, &io, buffer, Length, &o, NULL);
}

ULONG NTAPI TestFileLocks(void)
{
    ULONG failures = 0;
    HANDLE h1 = NULL, h2 = NULL, ro = NULL;
    IO_STATUS_BLOCK io;
    UCHAR data[100] = { 0 };

    CHECK(Open(L"\\??\\C:\\obio-locks.bin", GENERIC_READ | GENERIC_WRITE, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, &h1) == STATUS_SUCCESS);
    CHECK(ZwWriteFile(h1, NULL, NULL, NULL, &io, data, sizeof(data), NULL, NULL) == STATUS_SUCCESS);
    CHECK(Open(L"\\??\\C:\\obio-locks.bin", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h2) == STATUS_SUCCESS);

    CHECK(LockRange(h1, 0, 10, TRUE, TRUE) == STATUS_SUCCESS);
    /* An exclusive lock keeps other handles from reading and writing; its owner does both. */
    CHECK(Transfer(h2, FALSE, 0, 4) == STATUS_FILE_LOCK_CONFLICT);
    CHECK(Transfer(h2, TRUE, 8, 4) == STATUS_FILE_LOCK_CONFLICT);
    CHECK(Transfer(h2, FALSE, 10, 4) == STATUS_SUCCESS);
    CHECK(Transfer(h1, FALSE, 0, 4) == STATUS_SUCCESS);
    CHECK(Transfer(h1, TRUE, 0, 4) == STATUS_SUCCESS);
    CHECK(LockRange(h2, 5, 10, TRUE, FALSE) == STATUS_LOCK_NOT_GRANTED);
    CHECK(LockRange(h2, 10, 10, TRUE, FALSE) == STATUS_SUCCESS);
    CHECK(LockRange(h1, 12, 2, TRUE, FALSE) == STATUS_SUCCESS);
    /* A shared lock lets everyone read and no one write, its owner included. */
    CHECK(Transfer(h1, FALSE, 12, 2) == STATUS_SUCCESS);
    CHECK(Transfer(h2, TRUE, 12, 2) == STATUS_FILE_LOCK_CONFLICT);
    CHECK(Transfer(h1, TRUE, 15, 1) == STATUS_FILE_LOCK_CONFLICT);
    CHECK(LockRange(h1, 15, 1, TRUE, TRUE) == STATUS_LOCK_NOT_GRANTED);
    CHECK(UnlockRange(h1, 0, 10) == STATUS_SUCCESS);
    CHECK(UnlockRange(h1, 0, 10) == STATUS_RANGE_NOT_LOCKED);
    CHECK(UnlockRange(h2, 10, 5) == STATUS_RANGE_NOT_LOCKED);
    CHECK(LockRange(h2, 0, 10, TRUE, TRUE) == STATUS_SUCCESS);
    /* Closing a handle releases its locks. */
    CHECK(ZwClose(h2) == STATUS_SUCCESS);
    CHECK(LockRange(h1, 0, 10, TRUE, TRUE) == STATUS_SUCCESS);
    /* An exclusive lock conflicts with the handle's own shared lock too. */
    CHECK(LockRange(h1, 12, 1, TRUE, TRUE) == STATUS_LOCK_NOT_GRANTED);
    CHECK(LockRange(h1, -1, 10, TRUE, TRUE) == STATUS_INVALID_PARAMETER);
    /* Locks are bounded: a driver locking in a loop is refused, not given unbounded memory. */
    {
        ULONG i, granted = 0;
        NTSTATUS last = STATUS_SUCCESS;
        for (i = 0; i < 5000 && NT_SUCCESS(last); i++) {
            last = LockRange(h1, 1000 + i, 1, TRUE, FALSE);
            if (NT_SUCCESS(last)) granted++;
        }
        CHECK(last == STATUS_INSUFFICIENT_RESOURCES && granted > 1000 && granted <= 1024);
    }
    CHECK(LockRange((HANDLE)(ULONG_PTR)0x7ff0, 0, 1, TRUE, TRUE) == STATUS_INVALID_HANDLE);
    CHECK(ZwClose(h1) == STATUS_SUCCESS);
    /* No read or write access: no lock. */
    CHECK(Open(L"\\??\\C:\\obio-locks.bin", FILE_READ_ATTRIBUTES, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &ro) == STATUS_SUCCESS);
    CHECK(LockRange(ro, 0, 1, TRUE, FALSE) == STATUS_ACCESS_DENIED);
    ZwClose(ro);
    return failures;
}

/* Waiting for a lock no other thread will release: a deadlock report. */
ULONG NTAPI LockDeadlock(void)
{
    HANDLE h1 = NULL, h2 = NULL;
    Open(L"\\??\\C:\\obio-dead.bin", GENERIC_READ | GENERIC_WRITE, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, &h1);
    Open(L"\\??\\C:\\obio-dead.bin", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h2);
    LockRange(h1, 0, 10, TRUE, TRUE);
    return (ULONG)LockRange(h2, 0, 1, FALSE, TRUE);
}
