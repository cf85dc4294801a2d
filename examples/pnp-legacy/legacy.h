/*
 * legacy.sys - shared declarations.
 *
 * A driver for a device no bus enumerates (an old ISA card, or a virtual bus such as WinVBlock's):
 * DriverEntry claims the ports it is about to probe (IoReportResourceForDetection), reports the
 * device (IoReportDetectedDevice), attaches its FDO to the PDO the PnP manager created - the work
 * AddDevice does for an enumerated device - and asks for its bus relations. The PnP manager then
 * sends IRP_MN_START_DEVICE with the reported resources. Like WinVBlock's bus with its HTTPDisk
 * child, the bus reports one child (LEGACY\DISK) that no driver is installed for: its PDO gets
 * IRP_MN_REMOVE_DEVICE when the bus goes, and the bus deletes it afterwards.
 */
#pragma once
#include <ntddk.h>

#define LEGACY_TAG          'gLgL'
#define LEGACY_PORT_BASE    0x2E8
#define LEGACY_PORT_COUNT   8
#define LEGACY_IRQ          3

/* Trace lines name their function: cl.exe concatenates __FUNCTION__ with the literals after it. */
#define LEGACY_TRACE(format, ...) DbgPrint("legacy: " __FUNCTION__ ": " format "\n", __VA_ARGS__)

/* IOCTL_LEGACY_STATE: LEGACY_STATE out. */
#define IOCTL_LEGACY_STATE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _LEGACY_STATE {
    ULONG StartCount;       /* IRP_MN_START_DEVICE received */
    ULONG ResourceCount;    /* partial descriptors in the translated list */
    ULONG Port;             /* first port of the translated list */
    ULONG Vector;           /* interrupt vector of the translated list */
    ULONG PowerD0;          /* IRP_MN_SET_POWER D0 seen */
    ULONG PowerIrps;        /* any IRP_MJ_POWER seen by the FDO */
} LEGACY_STATE, *PLEGACY_STATE;

/* Both extensions start with IsPdo: the dispatch routines serve the FDO and the child PDO. */
typedef struct _LEGACY_EXTENSION {
    BOOLEAN IsPdo;          /* FALSE */
    PDEVICE_OBJECT Child;   /* the child PDO, once enumerated */
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Pdo;
    PDEVICE_OBJECT Lower;
    LEGACY_STATE State;
} LEGACY_EXTENSION, *PLEGACY_EXTENSION;

typedef struct _LEGACY_CHILD_EXTENSION {
    BOOLEAN IsPdo;          /* TRUE */
    PDEVICE_OBJECT Parent;  /* the bus FDO */
    ULONG RemoveCount;      /* IRP_MN_REMOVE_DEVICE received */
} LEGACY_CHILD_EXTENSION, *PLEGACY_CHILD_EXTENSION;

/* child.c */
NTSTATUS LegacyChildDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp);
NTSTATUS LegacyCreateChild(PLEGACY_EXTENSION Bus);

/* fdo.c - annotated as WDK samples write it (driver and SAL 1 annotations: static analysis only) */
__drv_dispatchType(IRP_MJ_PNP) DRIVER_DISPATCH LegacyDispatchPnp;
__drv_dispatchType(IRP_MJ_POWER) DRIVER_DISPATCH LegacyDispatchPower;
__drv_dispatchType(IRP_MJ_CREATE) __drv_dispatchType(IRP_MJ_CLOSE) DRIVER_DISPATCH LegacyDispatchCreateClose;
__drv_dispatchType(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH LegacyDispatchIoctl;
__checkReturn _IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS LegacyCopyState(__in PLEGACY_EXTENSION Ext, __out_bcount_opt(Length) PVOID Buffer, __in ULONG Length);

/* driver.c */
extern UNICODE_STRING LegacyLinkName;
