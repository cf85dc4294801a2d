/*
 * exports.c — the routines bad-service-exports.sys exports to other drivers.
 */
#include "svcx.h"

ULONG NTAPI SvcXVersion(void)
{
    return 0x00010002;
}

LONG NTAPI SvcXOpenCount(void)
{
    return g_SvcX.OpenCount;
}
