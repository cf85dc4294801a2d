/*
 * The interface ifprovider.sys hands out through an internal IOCTL (first seed, "Dynamic
 * linking", technique 1): function pointers plus a context, released through the interface.
 * Only pure function pointers: no code or data is shared at link time.
 */
#pragma once
#include <ntddk.h>

#define IFPROVIDER_DEVICE_NAME L"\\Device\\IfProvider"

/* CTL_CODE(0x8000, 0x800, METHOD_NEITHER, FILE_ANY_ACCESS) = 0x80002003 */
#define IOCTL_IFPROVIDER_GET_INTERFACE CTL_CODE(0x8000, 0x800, METHOD_NEITHER, FILE_ANY_ACCESS)

#define IFPROVIDER_INTERFACE_VERSION 1

typedef LONG (*PIFPROVIDER_ADD)(PVOID Context, LONG A, LONG B);
typedef LONG (*PIFPROVIDER_NEXT_TICKET)(PVOID Context);

typedef struct _IFPROVIDER_INTERFACE {
    /* INTERFACE-style header */
    USHORT Size;
    USHORT Version;
    PVOID Context;
    PINTERFACE_REFERENCE InterfaceReference;
    PINTERFACE_DEREFERENCE InterfaceDereference;
    /* operations */
    PIFPROVIDER_ADD Add;
    PIFPROVIDER_NEXT_TICKET NextTicket;
} IFPROVIDER_INTERFACE, *PIFPROVIDER_INTERFACE;
