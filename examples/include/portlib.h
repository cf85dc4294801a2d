/*
 * portlib.sys: a port-style export driver that supplies dispatch routines to a standard
 * (miniport-style) driver (second seed: "While an export driver does not have a dispatch
 * table, it can supply dispatch routines to a standard driver"). The dispatch routines are
 * NOT exported; the miniport only imports PortInitialize.
 */
#pragma once
#include <ntddk.h>

/* Called by portlib's IRP_MJ_DEVICE_CONTROL routine for every IOCTL the miniport receives. */
typedef NTSTATUS (*PMINIPORT_HANDLE_IOCTL)(ULONG IoControlCode, PVOID Buffer, ULONG InputLength,
                                          ULONG OutputLength, PULONG BytesReturned);

typedef struct _PORT_MINIPORT_CALLBACKS {
    ULONG Size;
    PMINIPORT_HANDLE_IOCTL HandleIoctl;
} PORT_MINIPORT_CALLBACKS, *PPORT_MINIPORT_CALLBACKS;

EXTERN_C DECLSPEC_IMPORT NTSTATUS NTAPI PortInitialize(PDRIVER_OBJECT DriverObject, PCWSTR DeviceName,
                                                 const PORT_MINIPORT_CALLBACKS *Callbacks);

/* The miniport's IOCTL: METHOD_BUFFERED, returns the input bytes reversed. */
#define IOCTL_MINIPORT_REVERSE CTL_CODE(0x8000, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
