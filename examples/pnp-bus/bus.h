/* pnpbus: a WDM bus driver. Its FDO sits on a root-enumerated PDO; it creates two child PDOs. */
#pragma once
#include <initguid.h>
#include "../include/pnpdemo.h"

#define BUS_TAG 0x42646e50 /* 'PndB' */
#define BUS_CHILDREN 2

typedef struct _BUS_COMMON {
    BOOLEAN IsFdo;
    PDEVICE_OBJECT Self;
} BUS_COMMON, *PBUS_COMMON;

typedef struct _FDO_EXTENSION {
    BUS_COMMON Common;
    PDEVICE_OBJECT Lower;
    PDEVICE_OBJECT Pdo;
    PDEVICE_OBJECT Children[BUS_CHILDREN];
    ULONG Registers[8];
    LONG InterfaceReferences;
    ULONG ResourceCount;
} FDO_EXTENSION, *PFDO_EXTENSION;

typedef struct _PDO_EXTENSION {
    BUS_COMMON Common;
    PFDO_EXTENSION Bus;
    ULONG Index;
    BOOLEAN Started;
} PDO_EXTENSION, *PPDO_EXTENSION;

DRIVER_ADD_DEVICE BusAddDevice;
NTSTATUS BusFdoPnp(PFDO_EXTENSION Fdx, PIRP Irp);
NTSTATUS BusPdoPnp(PPDO_EXTENSION Pdx, PIRP Irp);
NTSTATUS BusPdoPower(PPDO_EXTENSION Pdx, PIRP Irp);
NTSTATUS BusCreateChildren(PFDO_EXTENSION Fdx);
