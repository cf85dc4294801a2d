/* kmdfunbd: shared declarations of the KMDF unbind example. */
#ifndef KMDFUNBD_H
#define KMDFUNBD_H
#include "kmdfpnp.h"

#ifndef WdfDriverInitNoDispatchOverride
#define WdfDriverInitNoDispatchOverride 0x00000002 /* wdfdriver.h */
#endif

/* callbacks.c: EvtCleanupCallback / EvtDestroyCallback of the WDFDRIVER and its children. */
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnbdDriverCleanup, KmdfUnbdDriverDestroy;
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnbdCollectionCleanup, KmdfUnbdCollectionDestroy;
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnbdKeyCleanup;
#endif
