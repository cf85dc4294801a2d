/* worker.c: logs numbered messages through the library. */
#include "logtest.h"

DWORD LogTestRun(LHANDLE Handle, ULONG Rounds)
{
    char text[32];
    DWORD logged = 0;
    ULONG i;
    for (i = 0; i < Rounds; i++) {
        if (!NT_SUCCESS(RtlStringCchPrintfA(text, sizeof text, "message %lu", i + 1)))
            break;
        if (LogPrint(Handle, text))
            logged++;
    }
    return logged;
}
