/* kmdffunc: a KMDF function driver for the bus's PNPDEMO\KMDFCHILD device. */
#pragma once
#include <initguid.h>
#include "kmdfmin.h"
#include "../include/pnpdemo.h"

typedef struct _DEVICE_CONTEXT {
    PNPDEMO_BUS_INTERFACE Bus;
    BOOLEAN HaveBus;
    ULONG ResourceCount;
    ULONG D0Entries;
    ULONG Requests;
    PVOID FailedStart; /* pool PrepareHardware keeps when told to fail; ReleaseHardware frees it */
    ULONG Removal; /* removal callbacks seen so far, in order: a digit each (device.c) */
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfFuncContextType;
#define DeviceContext(d) ((PDEVICE_CONTEXT)WdfObjectGetTypedContextWorker((d), &KmdfFuncContextType))

EVT_WDF_DRIVER_DEVICE_ADD KmdfFuncEvtDeviceAdd;
NTSTATUS KmdfFuncCreateQueue(WDFDEVICE Device);
