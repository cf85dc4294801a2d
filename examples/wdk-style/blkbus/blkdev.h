/* blkdev.h: the device type, declared after blkbus.h used its name. */
#ifndef BLKDEV_H
#define BLKDEV_H
typedef struct BLKBUS_DEV {
    ULONG Unit;
    WCHAR Id[32];
} BLKBUS_S_DEV, *BLKBUS_SP_DEV;

struct BLKBUS_DISK {
    ULONG Sectors;
    ULONG SectorSize;
};
#endif
