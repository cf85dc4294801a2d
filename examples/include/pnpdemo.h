/*
 * pnpdemo.h - shared by the PnP examples: a WDM bus driver (pnp-bus) that enumerates two child
 * devices, a WDM function driver (pnp-func) for one and a KMDF function driver (kmdf-func) for
 * the other. The bus exports a direct-call interface to its children through
 * IRP_MN_QUERY_INTERFACE; each function driver exposes a device interface and two IOCTLs.
 */
#pragma once
#include <ntddk.h>

#define PNPDEMO_WDM_CHILD_ID   L"PNPDEMO\\WDMCHILD"
#define PNPDEMO_KMDF_CHILD_ID  L"PNPDEMO\\KMDFCHILD"
#define PNPDEMO_COMPATIBLE_ID  L"PNPDEMO\\CHILD"

/* {3f0b1a6e-6c1d-4f7a-9e55-1d2c3b4a5f60} */
DEFINE_GUID(GUID_PNPDEMO_BUS_INTERFACE, 0x3f0b1a6e, 0x6c1d, 0x4f7a, 0x9e, 0x55, 0x1d, 0x2c, 0x3b, 0x4a, 0x5f, 0x60);
/* {8d3e4c21-2b7f-4e0a-a1c9-55e6f7a8b9c0}: device interface class of the WDM child's function driver */
DEFINE_GUID(GUID_DEVINTERFACE_PNPDEMO_WDM, 0x8d3e4c21, 0x2b7f, 0x4e0a, 0xa1, 0xc9, 0x55, 0xe6, 0xf7, 0xa8, 0xb9, 0xc0);
/* {8d3e4c22-2b7f-4e0a-a1c9-55e6f7a8b9c0}: the KMDF child's */
DEFINE_GUID(GUID_DEVINTERFACE_PNPDEMO_KMDF, 0x8d3e4c22, 0x2b7f, 0x4e0a, 0xa1, 0xc9, 0x55, 0xe6, 0xf7, 0xa8, 0xb9, 0xc0);

#define PNPDEMO_BUS_INTERFACE_VERSION 1

typedef ULONG (*PPNPDEMO_READ_REGISTER)(PVOID Context, ULONG Index);
typedef VOID (*PPNPDEMO_WRITE_REGISTER)(PVOID Context, ULONG Index, ULONG Value);

typedef struct _PNPDEMO_BUS_INTERFACE {
    INTERFACE Header;
    PPNPDEMO_READ_REGISTER ReadRegister;
    PPNPDEMO_WRITE_REGISTER WriteRegister;
    ULONG ChildIndex;
} PNPDEMO_BUS_INTERFACE, *PPNPDEMO_BUS_INTERFACE;

/* Bus registers the children read: 0 = signature, 1 = first I/O port, 2 = translated interrupt vector. */
#define PNPDEMO_REG_SIGNATURE 0
#define PNPDEMO_REG_PORT      1
#define PNPDEMO_REG_VECTOR    2
#define PNPDEMO_SIGNATURE     0x50424E50 /* 'PNBP' */

/* IOCTLs of both function drivers (METHOD_BUFFERED): in ULONG index → out ULONG register value; out ULONG[2] info. */
#define IOCTL_PNPDEMO_READ_REGISTER CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_PNPDEMO_GET_INFO      CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
