#ifndef EVTLIB_PRIVATE_H
#define EVTLIB_PRIVATE_H

#include "evtcommon.h"

/* Set by DllInitialize, read by the assembly stub on x64. */
extern ULONG EvtInitCount;

ULONG EvtReadInitCount(VOID);
VOID EvtPlatformInit(VOID);

#endif
