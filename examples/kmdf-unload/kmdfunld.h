/* kmdfunld: shared declarations of the KMDF unload-order example. */
#ifndef KMDFUNLD_H
#define KMDFUNLD_H
#include "kmdfmin.h"

#define KMDFUNLD_DEVICE L"\\Device\\KmdfUnld"
#define KMDFUNLD_LINK L"\\DosDevices\\KmdfUnld"
#define KMDFUNLD_MAGIC 0x554E4C44 /* 'UNLD' */

/* The WDFDRIVER's context: what its EvtCleanupCallback tears down (dc3d.sys keeps the same). */
typedef struct _DRIVER_CONTEXT {
    WDFCOLLECTION Collection;
    WDFDEVICE Control;
} DRIVER_CONTEXT, *PDRIVER_CONTEXT;
typedef struct _DEVICE_CONTEXT {
    ULONG Magic;
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfUnldDriverContextType;
extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfUnldDeviceContextType;

/* cleanup.c: the EvtCleanupCallback / EvtDestroyCallback of each object, and EvtDriverUnload. */
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnldDriverCleanup, KmdfUnldDriverDestroy;
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnldDeviceCleanup, KmdfUnldDeviceDestroy;
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnldQueueCleanup, KmdfUnldQueueDestroy;
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnldCollectionCleanup, KmdfUnldCollectionDestroy;
EVT_WDF_OBJECT_CONTEXT_CLEANUP KmdfUnldTempCleanup, KmdfUnldTempDestroy;
EVT_WDF_DRIVER_UNLOAD KmdfUnldEvtDriverUnload;
#endif
