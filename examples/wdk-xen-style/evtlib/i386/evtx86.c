/* x86 part of evtlib. The project's header is one folder up: the WDK compiles with /Ii386 /I.
   ahead of INCLUDES, so "evtlib_private.h" is found in the project folder. */
#include "evtlib_private.h"

ULONG
EvtReadInitCount(VOID)
{
    return EvtInitCount;
}
