/* blkdisk's strings for the shared ..\resources\version.rc. */
#pragma once
#define VERR_FILE_DESCRIPTION  "Block disk mini-driver"
#define VERR_ORIGINAL_FILENAME "blkdisk.sys"
#define VERR_FILE_TYPE         VFT_DRV
