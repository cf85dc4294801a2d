/* Platform parts: the WDK defines AMD64 (amd64mk.inc) or i386 (i386mk.inc) besides _AMD64_/_X86_. */
#include "evtlib_private.h"

/* What ZwQueryKey(KeyNameInformation) returns: a ULONG length, then the name. */
C_ASSERT(FIELD_OFFSET(KEY_NAME_INFORMATION, Name) == sizeof(ULONG));

static ULONG EvtPlatformCode;

#ifdef AMD64
/* In amd64\evtstub.asm. */
ULONG EvtAsmReadInitCount(VOID);

ULONG
EvtReadInitCount(VOID)
{
    return EvtAsmReadInitCount();
}

VOID
EvtPlatformInit(VOID)
{
    EvtPlatformCode = 64;
}
#elif defined(i386)
/* EvtReadInitCount is in i386\evtx86.c. */
VOID
EvtPlatformInit(VOID)
{
    EvtPlatformCode = 32;
}
#endif

ULONG
EvtLibPlatform(VOID)
{
    ULONG64 t0 = ReadTimeStampCounter();

    /* A full fence (an SSE2 intrinsic, which cl.exe compiles for x86 without /arch). */
    _mm_mfence();
    if (ReadTimeStampCounter() < t0)
        return 0;
    return EvtPlatformCode + EvtRoundUp(EvtIsPowerOfTwo(8) ? 1 : 0, 4);
}
