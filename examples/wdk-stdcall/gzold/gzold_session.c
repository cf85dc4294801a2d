#include "gzold.h"

ULONG GzOldSession(VOID)
{
    return PsGetCurrentProcessSessionId();
}
