/* describe.c: the second file of the library; the struct tag comes from blkbus.h's prototype. */
#include "blkbus.h"
#include "blkdev.h"

NTSTATUS BlkBusDescribe(ULONG Unit, struct BLKBUS_DISK *Disk)
{
    if (Disk == NULL)
        return STATUS_INVALID_PARAMETER;
    DbgPrint("blkbus: unit %lu: %lu sectors of %lu bytes\n", Unit, Disk->Sectors, Disk->SectorSize);
    return STATUS_SUCCESS;
}
