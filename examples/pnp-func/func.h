/* pnpfunc: a WDM function driver for the bus's PNPDEMO\WDMCHILD device. */
#pragma once
#include <initguid.h>
#include "../include/pnpdemo.h"

#include <wdmguid.h>

typedef struct _FUNC_EXTENSION {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Lower;
    PDEVICE_OBJECT Pdo;
    PNPDEMO_BUS_INTERFACE Bus;
    BOOLEAN HaveBus;
    UNICODE_STRING InterfaceName;
    LONG Requests;
} FUNC_EXTENSION, *PFUNC_EXTENSION;

extern LONG FuncArrivals;

DRIVER_ADD_DEVICE FuncAddDevice;
DRIVER_DISPATCH FuncDispatchPnp;
DRIVER_DISPATCH FuncDispatchPower;
DRIVER_DISPATCH FuncDispatchIoctl;
DRIVER_DISPATCH FuncDispatchCreateClose;
