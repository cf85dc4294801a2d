/* kmdfsync: shared declarations of the KMDF locks / collections / contexts / cancellation example. */
#ifndef KMDFSYNC_H
#define KMDFSYNC_H
#include "kmdfmin.h"

#define KMDFSYNC_DEVICE L"\\Device\\KmdfSync"
#define KMDFSYNC_LINK L"\\DosDevices\\KmdfSync"
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS): marked cancelable, then
   the driver cancels its own IRP (IoCancelIrp); EvtRequestCancel completes it with STATUS_CANCELLED. */
#define IOCTL_KMDFSYNC_CANCEL_SELF 0x00222000
/* 0x801: WdfRequestMarkCancelableEx, WdfRequestUnmarkCancelable, WdfRequestIsCanceled: 3 ULONGs out. */
#define IOCTL_KMDFSYNC_UNMARK 0x00222004
/* 0x802: cancelled while marked (EvtRequestCancel only counts): Unmark, IsCanceled, MarkCancelableEx again, cancel calls: 4 ULONGs out. */
#define IOCTL_KMDFSYNC_CANCEL_UNMARK 0x00222008
/* 0x803: marked cancelable and left pending until the program cancels it (CancelIo). */
#define IOCTL_KMDFSYNC_PEND 0x0022200C

/* WDF_CLASS_BIND_INFO (the WDK's wdfldr.h; examples/include/kmdfclx.h): the class extension a driver binds to. */
typedef struct _KMDFSYNC_CLASS_BIND_INFO {
    ULONG Size;
    PWCHAR ClassName;
    WDF_VERSION Version;
    PVOID FunctionTable;
    ULONG FunctionTableCount;
    PVOID ClassBindInfo;
    PVOID ClientBindClass;
    PVOID ClientUnbindClass;
    PVOID ClassModule;
} KMDFSYNC_CLASS_BIND_INFO;
NTSTATUS NTAPI WdfVersionBindClass(PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals, KMDFSYNC_CLASS_BIND_INFO *ClassBindInfo);

/* WDF_REQUEST_TYPE (wdfrequest.h): the IRP_MJ codes. */
typedef enum { WdfRequestTypeCreate = 0x0, WdfRequestTypeRead = 0x3, WdfRequestTypeWrite = 0x4, WdfRequestTypeDeviceControl = 0xE, WdfRequestTypeDeviceControlInternal = 0xF } WDF_REQUEST_TYPE;

extern WDFDEVICE KmdfSyncDevice;
extern WDFDRIVER KmdfSyncDriver;
NTSTATUS KmdfSyncCreateQueue(WDFDEVICE Device);
#endif
