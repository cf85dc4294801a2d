/* Shared by the event library, the event driver and its client. */
#ifndef EVTCOMMON_H
#define EVTCOMMON_H

#include <ntddk.h>

#define EVT_MAJOR 3
#define EVT_MINOR 14

/* cl.exe leaves pasted string literals side by side ("3" "." "14"), which then concatenate. */
#define EVT_STR(_x) #_x
#define EVT_VERSION_STRING(_major, _minor) EVT_STR(_major) ## "." ## EVT_STR(_minor)
#define EVT_VERSION EVT_VERSION_STRING(EVT_MAJOR, EVT_MINOR)

/* cl.exe takes __declspec(inline) (and _declspec(inline)) for __inline. */
__declspec(inline) ULONG
EvtRoundUp(ULONG Value, ULONG Align)
{
    return (Value + Align - 1) & ~(Align - 1);
}

_declspec(inline) BOOLEAN
EvtIsPowerOfTwo(ULONG Value)
{
    return (BOOLEAN)(Value != 0 && (Value & (Value - 1)) == 0);
}

/* evtlib */
ULONG EvtLibCounter(VOID);
ULONG EvtLibSafeBootMode(VOID);
ULONG EvtLibPlatform(VOID);

/* evtdrv */
const CHAR *EvtDrvVersion(VOID);
ULONG EvtDrvMessageId(VOID);

#endif
