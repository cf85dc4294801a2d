/*
 * kmdfwork.sys — shared declarations. A KMDF control-device driver in the style of WinDivert 1.x:
 * its device hands every I/O request to EvtIoInCallerContext first (which completes some there
 * and puts the rest in the default queue with WdfDeviceEnqueueRequest), and it uses framework
 * work items. The DDIs kmdll's minimal KMDF header lacks are declared here from Microsoft Learn
 * (wdfdevice.h, wdfworkitem.h; the WDFFUNCENUM indices of wdffuncenum.h).
 */
#pragma once
#include <ntddk.h>
#include "kmdfmin.h"

#define KMDFWORK_DEVICE L"\\Device\\KmdfWork"
#define KMDFWORK_LINK L"\\DosDevices\\KmdfWork"
/*
 * One IOCTL: an input starting with 0xCC is completed in EvtIoInCallerContext (Information 1);
 * any other goes to the queue, whose EvtIoDeviceControl runs the work-item checks and returns
 * the number of failed checks (a ULONG). A read is completed in EvtIoInCallerContext with
 * Information = the Length WdfRequestGetParameters gives; a write with STATUS_INVALID_DEVICE_REQUEST.
 */
#define IOCTL_KMDFWORK_TEST CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define KMDFWORK_IN_CALLER 0xCC
/* Inputs handled in EvtIoInCallerContext too: purge the default queue (Information = PurgeComplete calls), start it again. */
#define KMDFWORK_PURGE 0x50
#define KMDFWORK_START 0x53

enum {
    WdfDeviceInitSetIoInCallerContextCallbackTableIndex = 74,
    WdfDeviceEnqueueRequestTableIndex = 91,
    WdfWorkItemCreateTableIndex = 379,
    WdfWorkItemEnqueueTableIndex = 380,
    WdfWorkItemGetParentObjectTableIndex = 381,
    WdfWorkItemFlushTableIndex = 382,
    WdfRequestGetParametersTableIndex = 266,
    WdfIoQueueStartTableIndex = 154,
    WdfIoQueuePurgeTableIndex = 165,
};

/* wdfrequest.h: the request's parameters (the union is laid out like IO_STACK_LOCATION's). */
typedef enum { WdfRequestTypeRead = 0x03, WdfRequestTypeWrite = 0x04, WdfRequestTypeDeviceControl = 0x0E } WDF_REQUEST_TYPE;
#ifdef _WIN64
#define KMDFWORK_PTR_ALIGN DECLSPEC_ALIGN(8)
#else
#define KMDFWORK_PTR_ALIGN
#endif
typedef struct _WDF_REQUEST_PARAMETERS {
    USHORT Size;
    UCHAR MinorFunction;
    WDF_REQUEST_TYPE Type;
    union {
        struct { size_t Length; ULONG KMDFWORK_PTR_ALIGN Key; LONGLONG DeviceOffset; } Read;
        struct { size_t Length; ULONG KMDFWORK_PTR_ALIGN Key; LONGLONG DeviceOffset; } Write;
        struct { size_t OutputBufferLength; size_t KMDFWORK_PTR_ALIGN InputBufferLength; ULONG KMDFWORK_PTR_ALIGN IoControlCode; PVOID Type3InputBuffer; } DeviceIoControl;
        struct { PVOID Arg1; PVOID Arg2; ULONG KMDFWORK_PTR_ALIGN IoControlCode; PVOID Arg4; } Others;
    } Parameters;
} WDF_REQUEST_PARAMETERS, *PWDF_REQUEST_PARAMETERS;
FORCEINLINE VOID WDF_REQUEST_PARAMETERS_INIT(PWDF_REQUEST_PARAMETERS p)
{
    RtlZeroMemory(p, sizeof(*p));
    p->Size = sizeof(*p);
}

typedef HANDLE WDFWORKITEM;
typedef VOID NTAPI EVT_WDF_WORKITEM(WDFWORKITEM WorkItem);
typedef EVT_WDF_WORKITEM *PFN_WDF_WORKITEM;
typedef struct _WDF_WORKITEM_CONFIG {
    ULONG Size;
    PFN_WDF_WORKITEM EvtWorkItemFunc;
    BOOLEAN AutomaticSerialization;
} WDF_WORKITEM_CONFIG, *PWDF_WORKITEM_CONFIG;
typedef VOID NTAPI EVT_WDF_IO_IN_CALLER_CONTEXT(WDFDEVICE Device, WDFREQUEST Request);
typedef EVT_WDF_IO_IN_CALLER_CONTEXT *PFN_WDF_IO_IN_CALLER_CONTEXT;

#define STATUS_WDF_PARENT_NOT_SPECIFIED ((NTSTATUS)0xC0200212L)

#define WdfDeviceInitSetIoInCallerContextCallback(i, e) WDFCALL(WdfDeviceInitSetIoInCallerContextCallback, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PFN_WDF_IO_IN_CALLER_CONTEXT))(WdfDriverGlobals, i, e)
#define WdfDeviceEnqueueRequest(d, r) WDFCALL(WdfDeviceEnqueueRequest, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, WDFREQUEST))(WdfDriverGlobals, d, r)
#define WdfWorkItemCreate(c, a, o) WDFCALL(WdfWorkItemCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_WORKITEM_CONFIG, PWDF_OBJECT_ATTRIBUTES, WDFWORKITEM *))(WdfDriverGlobals, c, a, o)
#define WdfWorkItemEnqueue(w) WDFCALL(WdfWorkItemEnqueue, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFWORKITEM))(WdfDriverGlobals, w)
#define WdfWorkItemGetParentObject(w) WDFCALL(WdfWorkItemGetParentObject, WDFOBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFWORKITEM))(WdfDriverGlobals, w)
#define WdfRequestGetParameters(r, p) WDFCALL(WdfRequestGetParameters, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PWDF_REQUEST_PARAMETERS))(WdfDriverGlobals, r, p)
typedef PVOID WDFCONTEXT;
typedef VOID NTAPI EVT_WDF_IO_QUEUE_STATE(WDFQUEUE Queue, WDFCONTEXT Context);
typedef EVT_WDF_IO_QUEUE_STATE *PFN_WDF_IO_QUEUE_STATE;
#define WdfIoQueuePurge(q, c, x) WDFCALL(WdfIoQueuePurge, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFQUEUE, PFN_WDF_IO_QUEUE_STATE, WDFCONTEXT))(WdfDriverGlobals, q, c, x)
#define WdfIoQueueStart(q) WDFCALL(WdfIoQueueStart, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFQUEUE))(WdfDriverGlobals, q)
#define WdfWorkItemFlush(w) WDFCALL(WdfWorkItemFlush, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFWORKITEM))(WdfDriverGlobals, w)

extern WDFDRIVER KmdfWorkDriver;
extern WDFDEVICE KmdfWorkDevice;
extern WDFQUEUE KmdfWorkQueue;

/* queue.c */
NTSTATUS KmdfWorkCreateQueue(WDFDEVICE Device);
EVT_WDF_IO_IN_CALLER_CONTEXT KmdfWorkInCallerContext;
/* work.c */
ULONG KmdfWorkTestWorkItems(void);
