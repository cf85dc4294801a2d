/* kmdfpnp: a root-enumerated KMDF function driver reporting its device's capabilities. */
#pragma once
#include "../include/kmdfpnp.h"

extern WDFDEVICE KmdfPnpDevice;
extern WDFDRIVER KmdfPnpDriver;
EVT_WDF_DRIVER_DEVICE_ADD KmdfPnpEvtDeviceAdd;
NTSTATUS KmdfPnpCreateQueue(WDFDEVICE Device);
ULONG KmdfPnpCheckTargets(WDFDEVICE Device);
WDFIOTARGET KmdfPnpRemoteTarget(VOID);
EVT_WDF_IO_QUEUE_IO_READ KmdfPnpRead;
EVT_WDF_IO_QUEUE_IO_WRITE KmdfPnpWrite;
ULONG KmdfPnpCheckReuse(WDFIOTARGET Remote, WDFREQUEST Request, WDFMEMORY In, WDFMEMORY Out, PULONG Result, PULONG Called);
ULONG KmdfPnpCheckReadWrite(WDFDEVICE Device, WDFIOTARGET Remote);
ULONG KmdfPnpAddInterface(WDFDEVICE Device);
ULONG KmdfPnpCheckInterface(WDFDEVICE Device);
ULONG KmdfPnpCreateChild(WDFDEVICE Device);
ULONG KmdfPnpCheckLink(WDFDEVICE Device);
ULONG KmdfPnpCheckDpcLookaside(WDFDEVICE Device);
NTSTATUS KmdfPnpCreateManualQueue(WDFDEVICE Device);
VOID KmdfPnpSetDefaultQueue(WDFQUEUE Queue);
ULONG KmdfPnpCheckManualQueue(WDFDEVICE Device);
WDFQUEUE KmdfPnpManualQueue(VOID);
ULONG KmdfPnpCheckInitProperties(PWDFDEVICE_INIT DeviceInit, BOOLEAN owner);
ULONG KmdfPnpCheckDeviceProperties(WDFDEVICE Device);
/* The context of every request the framework creates for the first device (WdfDeviceInitSetRequestAttributes). */
typedef struct _REQUEST_CONTEXT { ULONG Magic; } REQUEST_CONTEXT, *PREQUEST_CONTEXT;
extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfPnpRequestContextType;
