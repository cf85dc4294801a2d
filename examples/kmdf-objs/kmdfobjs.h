/* kmdfobjs: shared declarations of the KMDF memory and timer example. */
#ifndef KMDFOBJS_H
#define KMDFOBJS_H
#include "kmdfmin.h"

#define KMDFOBJS_DEVICE L"\\Device\\KmdfObjs"
#define KMDFOBJS_LINK L"\\DosDevices\\KmdfObjs"
#define KMDFOBJS_TAG 'jbOK'
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS): sum of the input bytes (ULONG), through WDFMEMORY. */
#define IOCTL_KMDFOBJS_SUM 0x00222000
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS): input copied to the output, bytes XORed with 0xFF, through WDFMEMORY. */
#define IOCTL_KMDFOBJS_INVERT 0x00222004
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_OUT_DIRECT, FILE_ANY_ACCESS): the output MDL's byte count and the input MDL's, then 'OK'. */
#define IOCTL_KMDFOBJS_MDLS 0x0022200A
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_NEITHER, FILE_ANY_ACCESS): the user buffers probed and locked, input reversed into the output. */
#define IOCTL_KMDFOBJS_NEITHER 0x0022200F
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x804, METHOD_BUFFERED, FILE_ANY_ACCESS): the statuses of the retrieve DDIs on this request (4 NTSTATUS). */
#define IOCTL_KMDFOBJS_STATUSES 0x00222010
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x805, METHOD_BUFFERED, FILE_ANY_ACCESS): WdfRequestSetInformation(the input length), then WdfRequestComplete, which keeps it. */
#define IOCTL_KMDFOBJS_SETINFO 0x00222014

typedef struct _DEVICE_CONTEXT {
    WDFTIMER Periodic;     /* the device's periodic timer (created in DriverEntry, started by TestTimer) */
    volatile LONG Ticks;   /* EvtTimerFunc calls of Periodic */
    volatile LONG OneShots;
    KIRQL TimerIrql;       /* the IRQL EvtTimerFunc ran at */
    WDFTIMER LastTimer;    /* the handle EvtTimerFunc got */
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfObjsContextType;
extern WDFDEVICE KmdfObjsDevice;
extern WDFDRIVER KmdfObjsDriver;
PDEVICE_CONTEXT KmdfObjsContext(VOID);
NTSTATUS KmdfObjsCreateQueue(WDFDEVICE Device);
NTSTATUS KmdfObjsCreateTimer(WDFDEVICE Device);
#endif
