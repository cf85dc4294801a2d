/* kmdfunld: the callbacks that show the order the framework tears the driver's objects down in. */
#include "kmdfunld.h"

VOID KmdfUnldEvtDriverUnload(WDFDRIVER Driver)
{
    PDRIVER_CONTEXT ctx = (PDRIVER_CONTEXT)WdfObjectGetTypedContextWorker(Driver, &KmdfUnldDriverContextType);
    /* EvtDriverUnload runs before the framework deletes anything: the control device is still there. */
    DbgPrint("kmdfunld: EvtDriverUnload, control device %s\n", WdfDeviceWdmGetDeviceObject(ctx->Control) != NULL ? "alive" : "gone");
}

VOID KmdfUnldDriverCleanup(WDFOBJECT Object)
{
    PDRIVER_CONTEXT ctx = (PDRIVER_CONTEXT)WdfObjectGetTypedContextWorker(Object, &KmdfUnldDriverContextType);
    PDEVICE_CONTEXT dev;

    /* The children are disposed (their cleanup ran) but not destroyed: their handles are still valid. */
    DbgPrint("kmdfunld: driver cleanup, collection holds %u\n", WdfCollectionGetCount(ctx->Collection));
    dev = (PDEVICE_CONTEXT)WdfObjectGetTypedContextWorker(ctx->Control, &KmdfUnldDeviceContextType);
    DbgPrint("kmdfunld: driver cleanup, control device context %s\n", dev != NULL && dev->Magic == KMDFUNLD_MAGIC ? "intact" : "lost");
    /* As dc3d.sys: delete the control device the framework has already disposed — allowed. */
    WdfObjectDelete(ctx->Control);
    ctx->Control = NULL;
    DbgPrint("kmdfunld: driver cleanup, control device deleted\n");
}

VOID KmdfUnldDriverDestroy(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: driver destroy\n");
}

VOID KmdfUnldDeviceCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: device cleanup\n");
}

VOID KmdfUnldDeviceDestroy(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: device destroy\n");
}

VOID KmdfUnldQueueCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: queue cleanup\n");
}

VOID KmdfUnldQueueDestroy(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: queue destroy\n");
}

VOID KmdfUnldCollectionCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: collection cleanup\n");
}

VOID KmdfUnldCollectionDestroy(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: collection destroy\n");
}

VOID KmdfUnldTempCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: referenced object cleanup\n");
}

VOID KmdfUnldTempDestroy(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    DbgPrint("kmdfunld: referenced object destroy\n");
}
