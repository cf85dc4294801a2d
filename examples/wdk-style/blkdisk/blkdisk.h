/* blkdisk.h: shared by the mini-driver's two files. */
#ifndef BLKDISK_H
#define BLKDISK_H
#include "blkbus.h"
#include "blkdev.h"

__int64 BlkDiskParseSize(const char *Text);
VOID BlkDiskShowNumbers(void);
#endif
