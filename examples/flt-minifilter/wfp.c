/*
 * The WFP callout: its key and the functions the filter engine would call (never called here:
 * the emulator has no network stack).
 */
#include "kmflt.h"

/* {6c4e2e64-1f2b-4a53-9a3c-7d1e5b0f2a11} */
const GUID KMFLT_CALLOUT_KEY = { 0x6c4e2e64, 0x1f2b, 0x4a53, { 0x9a, 0x3c, 0x7d, 0x1e, 0x5b, 0x0f, 0x2a, 0x11 } };

VOID NTAPI KmfltClassify(void)
{
}

VOID NTAPI KmfltNotify(void)
{
}
