/* x64 has one calling convention: the C version of i386\gzsum3.asm. */
#include "gzlib_private.h"

ULONG GzSum3(ULONG a, ULONG b, ULONG c)
{
    return GzSum(GzSum(a, b), c);
}
