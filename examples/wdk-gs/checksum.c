/* A frame of 12 KiB (three pages): the compiler probes it with __chkstk and guards it with /GS. */
#include "wdkgs.h"

ULONG WdkGsChecksum(ULONG seed, ULONG rounds)
{
    volatile UCHAR buffer[12 * 1024];
    ULONG sum = seed;
    for (ULONG i = 0; i < sizeof(buffer); i++)
        buffer[i] = (UCHAR)(seed + i * 7);
    for (ULONG r = 0; r < rounds; r++)
        for (ULONG i = 0; i < sizeof(buffer); i += 64)
            sum = sum * 31 + buffer[i];
    return sum;
}
