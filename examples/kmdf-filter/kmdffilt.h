/* kmdffilt: a KMDF upper filter above the WDM function driver of PNPDEMO\WDMCHILD. */
#pragma once
#include <initguid.h>
#include "kmdfmin.h"
#include "../include/pnpdemo.h"

/* The filter's own IOCTL: out ULONG, how many requests it passed down. */
#define IOCTL_PNPDEMO_FILTER_COUNT CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _FILTER_CONTEXT {
    ULONG Forwarded;
} FILTER_CONTEXT, *PFILTER_CONTEXT;

extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfFiltContextType;
#define FilterContext(d) ((PFILTER_CONTEXT)WdfObjectGetTypedContextWorker((d), &KmdfFiltContextType))

EVT_WDF_DRIVER_DEVICE_ADD KmdfFiltEvtDeviceAdd;
