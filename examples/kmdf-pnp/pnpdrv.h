/* kmdfpnp: a root-enumerated KMDF function driver reporting its device's capabilities. */
#pragma once
#include "../include/kmdfpnp.h"

extern WDFDEVICE KmdfPnpDevice;
extern WDFDRIVER KmdfPnpDriver;
EVT_WDF_DRIVER_DEVICE_ADD KmdfPnpEvtDeviceAdd;
NTSTATUS KmdfPnpCreateQueue(WDFDEVICE Device);
ULONG KmdfPnpCheckTargets(WDFDEVICE Device);
ULONG KmdfPnpAddInterface(WDFDEVICE Device);
ULONG KmdfPnpCheckInterface(WDFDEVICE Device);
ULONG KmdfPnpCreateChild(WDFDEVICE Device);
NTSTATUS KmdfPnpCreateManualQueue(WDFDEVICE Device);
VOID KmdfPnpSetDefaultQueue(WDFQUEUE Queue);
ULONG KmdfPnpCheckManualQueue(WDFDEVICE Device);
WDFQUEUE KmdfPnpManualQueue(VOID);
