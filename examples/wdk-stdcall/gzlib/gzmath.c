#include "gzlib_private.h"

/* gzlib_private.h declares GzScale without a prototype; this file gives it one. */
ULONG GzScale(ULONG v);

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

ULONG GzScale(ULONG v)
{
    return v * 10;
}

__declspec(dllexport) ULONG GzTwice(ULONG v)
{
    return GzSum(v, v);
}
