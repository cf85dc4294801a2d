/*
 * ptebase.c - the PTE base the way HyperPlatform (GuardMon, DdiMon, MemoryMon) finds it on
 * Windows 10 x64, where it is randomized: MmGetVirtualForPhysical contains
 *     mov rax, [rax+rdx*8] ; shl rax, 19h ; mov rdx, <PTE_BASE>
 * and the driver searches the routine's first 0x30 bytes for those ten bytes.
 */
#include "qahyperv.h"

#ifdef _WIN64
static const UCHAR PtePattern[] = { 0x48, 0x8b, 0x04, 0xd0, 0x48, 0xc1, 0xe0, 0x19, 0x48, 0xba };

ULONG_PTR FindPteBase(void)
{
    PUCHAR p = (PUCHAR)MmGetVirtualForPhysical;
    ULONG i;
    for (i = 0; i + sizeof(PtePattern) + sizeof(ULONG_PTR) <= 0x30; i++) {
        if (RtlCompareMemory(p + i, PtePattern, sizeof(PtePattern)) == sizeof(PtePattern))
            return *(ULONG_PTR UNALIGNED *)(p + i + sizeof(PtePattern));
    }
    return 0;
}
#else
ULONG_PTR FindPteBase(void)
{
    return 0;
}
#endif
