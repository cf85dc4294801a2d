/*
 * The direct-call interface the demo bus driver exports through IRP_MN_QUERY_INTERFACE
 * (first seed, "Dynamic linking", technique 2). It starts with the standard INTERFACE header.
 */
#pragma once
#include <ntddk.h>

#define DEMOBUS_DEVICE_NAME L"\\Device\\DemoBus"

/* {6a1f3c52-0d7e-4c59-9b1e-2f4d8a6c1b07} */
DEFINE_GUID(GUID_DEMOBUS_INTERFACE, 0x6a1f3c52, 0x0d7e, 0x4c59, 0x9b, 0x1e, 0x2f, 0x4d, 0x8a, 0x6c, 0x1b, 0x07);
/* A GUID nobody answers: the query must come back with STATUS_NOT_SUPPORTED untouched. */
/* {00000000-1111-2222-3333-444444444444} */
DEFINE_GUID(GUID_UNSUPPORTED_INTERFACE, 0x00000000, 0x1111, 0x2222, 0x33, 0x33, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44);

#define DEMOBUS_INTERFACE_VERSION 1

typedef ULONG (*PDEMOBUS_READ_REGISTER)(PVOID Context, ULONG Index);
typedef VOID (*PDEMOBUS_WRITE_REGISTER)(PVOID Context, ULONG Index, ULONG Value);

typedef struct _DEMOBUS_INTERFACE {
    INTERFACE Header;
    PDEMOBUS_READ_REGISTER ReadRegister;
    PDEMOBUS_WRITE_REGISTER WriteRegister;
} DEMOBUS_INTERFACE, *PDEMOBUS_INTERFACE;
