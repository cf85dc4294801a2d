/* kmdfunbd: shared declarations of the KMDF unbind example. */
#ifndef KMDFUNBD_H
#define KMDFUNBD_H
#include "kmdfpnp.h"

/* WdfRegistryCreateKey (wdfregistry.h; its WDFFUNCENUM index 230, after WdfRegistryOpenKey's 229). */
#define KMDFUNBD_WdfRegistryCreateKeyTableIndex 230
#define WdfRegistryCreateKey(p, n, a, o, d, at, k) ((NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, ACCESS_MASK, ULONG, PULONG, PWDF_OBJECT_ATTRIBUTES, WDFKEY *))WdfFunctions[KMDFUNBD_WdfRegistryCreateKeyTableIndex])(WdfDriverGlobals, p, n, a, o, d, at, k)

/* WdfRegistryWdmGetHandle (index 232): the WDFKEY's kernel handle. */
#define KMDFUNBD_WdfRegistryWdmGetHandleTableIndex 232
#define WdfRegistryWdmGetHandle(k) ((HANDLE (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY))WdfFunctions[KMDFUNBD_WdfRegistryWdmGetHandleTableIndex])(WdfDriverGlobals, k)

#ifndef WdfDriverInitNoDispatchOverride
#define WdfDriverInitNoDispatchOverride 0x00000002 /* wdfdriver.h */
#endif

/* callbacks.c: EvtCleanupCallback / EvtDestroyCallback of the WDFDRIVER and its children. */
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnbdDriverCleanup, KmdfUnbdDriverDestroy;
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnbdCollectionCleanup, KmdfUnbdCollectionDestroy;
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnbdKeyCleanup;
#endif
