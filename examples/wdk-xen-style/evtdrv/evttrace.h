/* WPP configuration of the event driver (tracewpp reads it with -scan:evttrace.h). */
#ifndef EVTTRACE_H
#define EVTTRACE_H

#define WPP_CONTROL_GUIDS \
    WPP_DEFINE_CONTROL_GUID(EvtDrvTraceGuid, (5b0b1f42, 2c2a, 4d0e, 9a3c, 1e8f2a6b7c90), \
        WPP_DEFINE_BIT(EVT_FLAG_INIT) \
        WPP_DEFINE_BIT(EVT_FLAG_MSG))

// begin_wpp config
// FUNC EvtTraceLevel(LEVEL,MSG,...);
// end_wpp

#endif
