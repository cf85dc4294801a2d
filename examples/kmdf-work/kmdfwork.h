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
 * the number of failed checks (a ULONG).
 */
#define IOCTL_KMDFWORK_TEST CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define KMDFWORK_IN_CALLER 0xCC

enum {
    WdfDeviceInitSetIoInCallerContextCallbackTableIndex = 74,
    WdfDeviceEnqueueRequestTableIndex = 91,
    WdfWorkItemCreateTableIndex = 379,
    WdfWorkItemEnqueueTableIndex = 380,
    WdfWorkItemGetParentObjectTableIndex = 381,
    WdfWorkItemFlushTableIndex = 382,
};

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
#define WdfWorkItemFlush(w) WDFCALL(WdfWorkItemFlush, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFWORKITEM))(WdfDriverGlobals, w)

extern WDFDRIVER KmdfWorkDriver;
extern WDFDEVICE KmdfWorkDevice;
extern WDFQUEUE KmdfWorkQueue;

/* queue.c */
NTSTATUS KmdfWorkCreateQueue(WDFDEVICE Device);
EVT_WDF_IO_IN_CALLER_CONTEXT KmdfWorkInCallerContext;
/* work.c */
ULONG KmdfWorkTestWorkItems(void);
