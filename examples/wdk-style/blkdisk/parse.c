/* parse.c: number conversions from the kernel C runtime library (libcntpr). */
#include "blkdisk.h"
#include <stdlib.h>

__int64 BlkDiskParseSize(const char *Text)
{
    return _atoi64(Text);
}

VOID BlkDiskShowNumbers(void)
{
    char hex[24], dec[24], *end;
    long v = strtol("0x7fZ", &end, 0);
    unsigned long u = strtoul(" 0755", NULL, 0);
    _i64toa(-1234567890123LL, dec, 10);
    _ui64toa(0xfedcba9876543210ULL, hex, 16);
    DbgPrint("blkdisk: strtol %ld (stopped at '%s'), strtoul %lu, _i64toa %s, _ui64toa %s\n", v, end, u, dec, hex);
}
