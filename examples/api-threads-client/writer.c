/* tlogcli.sys — a thread of the client that logs a few lines 2 ms apart. */
#include "client.h"

VOID NTAPI WriterThread(PVOID Context)
{
    LARGE_INTEGER interval;
    int i;
    UNREFERENCED_PARAMETER(Context);
    interval.QuadPart = -2 * 10000;
    for (i = 0; i < WRITER_MESSAGES; i++) {
        TlogWrite(2, "writer thread line");
        KeDelayExecutionThread(KernelMode, FALSE, &interval);
    }
}
