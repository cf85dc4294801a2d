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

/* A frame of 96 KiB: more than any kernel stack (24 KiB on x64, 12 KiB on x86); the probe must fault. */
ULONG WdkGsChecksumHuge(ULONG seed)
{
    volatile UCHAR buffer[96 * 1024];
    for (ULONG i = 0; i < sizeof(buffer); i += 4096)
        buffer[i] = (UCHAR)(seed + i);
    return buffer[(seed * 4096) % sizeof(buffer)];
}
