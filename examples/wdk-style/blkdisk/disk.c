/* disk.c: a disk mini-driver; it adds its device to the bus library when it starts. */
#include "blkdisk.h"

static BLKBUS_S_DEV Disk0;

static VOID NTAPI BlkDiskUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("blkdisk: unloaded\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    struct BLKBUS_DISK geometry;
    __int64 bytes;
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = BlkDiskUnload;

    Disk0.Unit = 0;
    if (!BlkBusAddDev(&Disk0))
        return STATUS_UNSUCCESSFUL;
    DbgPrint("blkdisk: added %ws, bus has %lu device(s)\n", Disk0.Id, BlkBusCount());

    bytes = BlkDiskParseSize("  -5368709120");
    /* Divisors known only at run time: 64-bit division (x86: __divdi3 & co. from kmdll's support library). */
    geometry.SectorSize = (ULONG)BlkDiskParseSize("512");
    DbgPrint("blkdisk: %I64d / 1000003 = %I64d rest %I64d\n", bytes, bytes / BlkDiskParseSize("1000003"), bytes % BlkDiskParseSize("1000003"));
    bytes = bytes < 0 ? -bytes : bytes;
    geometry.Sectors = (ULONG)((ULONGLONG)bytes / geometry.SectorSize);
    BlkDiskShowNumbers();
    return BlkBusDescribe(Disk0.Unit, &geometry);
}
