/*
 * lowmem.sys - the INT 13h chain: the IVT entry, then each "safe hook" header along PrevHook
 * (the walk WinVBlock's safehook/probe.c does), bounded to the first MiB and to 8 links.
 */
#include "lowmem.h"

static const UCHAR SafeHookSignature[8] = { '$', 'I', 'N', 'T', '1', '3', 'S', 'F' };

ULONG LowMemWalkInt13(const UCHAR *Low)
{
    SEG_OFF at = *(const SEG_OFF *)(Low + 0x13 * sizeof(SEG_OFF));
    ULONG links;

    DbgPrint("lowmem: INT 13h -> %04X:%04X\n", at.Segment, at.Offset);
    for (links = 0; links < 8; links++) {
        ULONG linear = SEG_OFF_LINEAR(&at);
        const SAFE_HOOK *hook;

        if (linear + sizeof(SAFE_HOOK) > LOW_MIB) {
            DbgPrint("lowmem: handler at 0x%X is outside the first MiB\n", linear);
            return 1;
        }
        hook = (const SAFE_HOOK *)(Low + linear);
        if (RtlCompareMemory(hook->Signature, SafeHookSignature, sizeof(SafeHookSignature)) != sizeof(SafeHookSignature)) {
            DbgPrint("lowmem: handler at 0x%X is not a safe hook (first byte %02X); %u hook(s)\n", linear, Low[linear], links);
            return 0;
        }
        DbgPrint("lowmem: safe hook %.8s at 0x%X, previous %04X:%04X\n", hook->VendorId, linear, hook->PrevHook.Segment, hook->PrevHook.Offset);
        at = hook->PrevHook;
    }
    DbgPrint("lowmem: more than 8 safe hooks\n");
    return 1;
}
