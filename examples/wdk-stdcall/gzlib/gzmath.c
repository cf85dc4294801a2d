#include "gzlib_private.h"

LONG GzCalls;

ULONG GzSum(ULONG a, ULONG b)
{
    InterlockedIncrement(&GzCalls);
    return a + b;
}

LONG GzCallCount(VOID)
{
    return GzCalls;
}
