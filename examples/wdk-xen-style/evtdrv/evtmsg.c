/* The event log message ids mc generated from evtdrv_msgs.mc. */
#include "evtdrv_private.h"
#include "evtmsg.tmh"

ULONG
EvtDrvMessageId(VOID)
{
    EvtTraceLevel(TRACE_LEVEL_INFORMATION, "message %x", (ULONG)EVT_LIBRARY_LOADED);
    return (ULONG)EVT_LIBRARY_LOADED;
}
