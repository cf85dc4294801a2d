/* kmdfctl: framework file objects — one WDFFILEOBJECT per open, counted in the device context. */
#include "kmdfctl.h"

const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfCtlFileContextType = { sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "FILE_CONTEXT", sizeof(FILE_CONTEXT), &KmdfCtlFileContextType, NULL };

static EVT_WDF_DEVICE_FILE_CREATE KmdfCtlFileCreate;
static EVT_WDF_FILE_CLEANUP KmdfCtlFileCleanup;
static EVT_WDF_FILE_CLOSE KmdfCtlFileClose;

static PDEVICE_CONTEXT DeviceContextOf(WDFDEVICE Device)
{
    return (PDEVICE_CONTEXT)WdfObjectGetTypedContextWorker(Device, &KmdfCtlContextType);
}

static VOID KmdfCtlFileCreate(WDFDEVICE Device, WDFREQUEST Request, WDFFILEOBJECT FileObject)
{
    PDEVICE_CONTEXT ctx = DeviceContextOf(Device);
    PFILE_CONTEXT file = (PFILE_CONTEXT)WdfObjectGetTypedContextWorker(FileObject, &KmdfCtlFileContextType);

    /* The framework's file object names its device and the I/O manager's FILE_OBJECT. */
    if (WdfFileObjectGetDevice(FileObject) != Device || WdfFileObjectWdmGetFileObject(FileObject) == NULL || file == NULL) {
        DbgPrint("kmdfctl: bad WDFFILEOBJECT %p\n", FileObject);
        WdfRequestComplete(Request, STATUS_UNSUCCESSFUL);
        return;
    }
    file->Sequence = ++ctx->Creates;
    WdfRequestComplete(Request, STATUS_SUCCESS);
}

static VOID KmdfCtlFileCleanup(WDFFILEOBJECT FileObject)
{
    DeviceContextOf(WdfFileObjectGetDevice(FileObject))->Cleanups++;
}

static VOID KmdfCtlFileClose(WDFFILEOBJECT FileObject)
{
    DeviceContextOf(WdfFileObjectGetDevice(FileObject))->Closes++;
}

/* Called on the WDFDEVICE_INIT before WdfDeviceCreate. */
VOID KmdfCtlSetFileCallbacks(PWDFDEVICE_INIT Init)
{
    WDF_FILEOBJECT_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;

    WDF_FILEOBJECT_CONFIG_INIT(&config, KmdfCtlFileCreate, KmdfCtlFileClose, KmdfCtlFileCleanup);
    RtlZeroMemory(&attributes, sizeof(attributes));
    attributes.Size = sizeof(attributes);
    attributes.ContextTypeInfo = &KmdfCtlFileContextType;
    WdfDeviceInitSetFileObjectConfig(Init, &config, &attributes);
}
