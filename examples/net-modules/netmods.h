/*
 * netmods.sys — shared declarations.
 *
 * mingw-w64 10 has no NDIS 6 ndis.h, wsk.h or netioapi.h for kernel mode, and no ks.h kernel
 * declarations, so what this driver needs is written here from Microsoft Learn's reference pages
 * (ndis.h: NDIS_FILTER_DRIVER_CHARACTERISTICS, NDIS_GENERIC_OBJECT and the NdisF* routines;
 * wsk.h: WSK_CLIENT_NPI, WSK_PROVIDER_NPI, WSK_PROVIDER_DISPATCH and the Wsk* routines;
 * netioapi.h: the IP helper routines; tdikrnl.h/ntddtdi.h: TdiMapUserRequest and the
 * IOCTL_TDI_* codes; ks.h: KsGetPinFromIrp/KsGetFilterFromIrp). Field order and types follow
 * those pages; handler types the driver never calls through are reduced to PVOID. wmilib.h and
 * wmistr.h come from mingw-w64.
 */
#pragma once
#include <ntddk.h>
#include <wmistr.h>
#include <wmilib.h>
#include "../include/apitest.h"

#define NETMODS_TAG 'dMtN'

typedef struct _NETMODS_GLOBALS {
    PDRIVER_OBJECT Driver;
    PDEVICE_OBJECT Device;
    PVOID FilterDriver;
    ULONG UnloadCalls;
} NETMODS_GLOBALS;
extern NETMODS_GLOBALS g_Mods;

/* ---- ndis.h --------------------------------------------------------------------------------- */
typedef PVOID NDIS_HANDLE;
typedef int NDIS_STATUS;
#define NDIS_STATUS_SUCCESS ((NDIS_STATUS)0)
#define NDIS_STATUS_BAD_VERSION ((NDIS_STATUS)0xC0010004L)
#define NDIS_STATUS_BAD_CHARACTERISTICS ((NDIS_STATUS)0xC0010005L)

typedef struct _NDIS_OBJECT_HEADER {
    UCHAR Type;
    UCHAR Revision;
    USHORT Size;
} NDIS_OBJECT_HEADER;

#define NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS 0x8B
#define NDIS_FILTER_CHARACTERISTICS_REVISION_1 1
#define NDIS_FILTER_CHARACTERISTICS_REVISION_2 2

typedef struct _NDIS_FILTER_DRIVER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    UCHAR MajorDriverVersion;
    UCHAR MinorDriverVersion;
    ULONG Flags;
    UNICODE_STRING FriendlyName;
    UNICODE_STRING UniqueName;
    UNICODE_STRING ServiceName;
    PVOID SetOptionsHandler;
    PVOID SetFilterModuleOptionsHandler;
    PVOID AttachHandler;
    PVOID DetachHandler;
    PVOID RestartHandler;
    PVOID PauseHandler;
    PVOID SendNetBufferListsHandler;
    PVOID SendNetBufferListsCompleteHandler;
    PVOID CancelSendNetBufferListsHandler;
    PVOID ReceiveNetBufferListsHandler;
    PVOID ReturnNetBufferListsHandler;
    PVOID OidRequestHandler;
    PVOID OidRequestCompleteHandler;
    PVOID CancelOidRequestHandler;
    PVOID DevicePnPEventNotifyHandler;
    PVOID NetPnPEventHandler;
    PVOID StatusHandler;
    /* NDIS_FILTER_CHARACTERISTICS_REVISION_2 */
    PVOID DirectOidRequestHandler;
    PVOID DirectOidRequestCompleteHandler;
    PVOID CancelDirectOidRequestHandler;
    /* NDIS_FILTER_CHARACTERISTICS_REVISION_3 */
    PVOID SynchronousOidRequestHandler;
    PVOID SynchronousOidRequestHandlerComplete;
} NDIS_FILTER_DRIVER_CHARACTERISTICS;

#define NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_FILTER_DRIVER_CHARACTERISTICS, StatusHandler)
#define NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_2 RTL_SIZEOF_THROUGH_FIELD(NDIS_FILTER_DRIVER_CHARACTERISTICS, CancelDirectOidRequestHandler)

typedef struct _NDIS_GENERIC_OBJECT {
    NDIS_OBJECT_HEADER Header;
    PVOID Caller;
    PVOID CallersCaller;
    PDRIVER_OBJECT DriverObject;
} NDIS_GENERIC_OBJECT, *PNDIS_GENERIC_OBJECT;

NDIS_STATUS NTAPI NdisFRegisterFilterDriver(PDRIVER_OBJECT DriverObject, NDIS_HANDLE FilterDriverContext, NDIS_FILTER_DRIVER_CHARACTERISTICS *FilterDriverCharacteristics, NDIS_HANDLE *NdisFilterDriverHandle);
VOID NTAPI NdisFDeregisterFilterDriver(NDIS_HANDLE NdisFilterDriverHandle);
NDIS_STATUS NTAPI NdisFSetAttributes(NDIS_HANDLE NdisFilterHandle, NDIS_HANDLE FilterModuleContext, PVOID FilterAttributes);
PNDIS_GENERIC_OBJECT NTAPI NdisAllocateGenericObject(PDRIVER_OBJECT DriverObject, ULONG Tag, USHORT Size);
VOID NTAPI NdisFreeGenericObject(PNDIS_GENERIC_OBJECT NdisObject);

/* ---- wsk.h ---------------------------------------------------------------------------------- */
#define MAKE_WSK_VERSION(Mj, Mn) ((USHORT)((Mj) << 8) | (USHORT)((Mn) & 0xff))
#define WSK_INFINITE_WAIT 0xffffffff
typedef USHORT ADDRESS_FAMILY;
#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 23
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define WSK_FLAG_CONNECTION_SOCKET 0x00000002

typedef struct _WSK_CLIENT_DISPATCH {
    USHORT Version;
    USHORT Reserved;
    PVOID WskClientEvent;
} WSK_CLIENT_DISPATCH;

typedef struct _WSK_CLIENT_NPI {
    PVOID ClientContext;
    const WSK_CLIENT_DISPATCH *Dispatch;
} WSK_CLIENT_NPI;

typedef struct _WSK_REGISTRATION {
    ULONGLONG ReservedRegistrationState;
    PVOID ReservedRegistrationContext;
    KSPIN_LOCK ReservedRegistrationLock;
} WSK_REGISTRATION;

typedef struct _SOCKADDR_IN_K {
    ADDRESS_FAMILY sin_family;
    USHORT sin_port;
    ULONG sin_addr;
    CHAR sin_zero[8];
} SOCKADDR_IN_K;

typedef NTSTATUS (NTAPI *PFN_WSK_SOCKET)(PVOID Client, ADDRESS_FAMILY AddressFamily, USHORT SocketType, ULONG Protocol, ULONG Flags, PVOID SocketContext,
                                         const VOID *Dispatch, PEPROCESS OwningProcess, PETHREAD OwningThread, PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp);
typedef NTSTATUS (NTAPI *PFN_WSK_SOCKET_CONNECT)(PVOID Client, USHORT SocketType, ULONG Protocol, PVOID LocalAddress, PVOID RemoteAddress, ULONG Flags,
                                                 PVOID SocketContext, const VOID *Dispatch, PEPROCESS OwningProcess, PETHREAD OwningThread,
                                                 PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp);
typedef NTSTATUS (NTAPI *PFN_WSK_CONTROL_CLIENT)(PVOID Client, ULONG ControlCode, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize, PVOID OutputBuffer,
                                                 SIZE_T *OutputSizeReturned, PIRP Irp);

typedef struct _WSK_PROVIDER_DISPATCH {
    USHORT Version;
    USHORT Reserved;
    PFN_WSK_SOCKET WskSocket;
    PFN_WSK_SOCKET_CONNECT WskSocketConnect;
    PFN_WSK_CONTROL_CLIENT WskControlClient;
    PVOID WskGetAddressInfo;
    PVOID WskFreeAddressInfo;
    PVOID WskGetNameInfo;
} WSK_PROVIDER_DISPATCH;

typedef struct _WSK_PROVIDER_NPI {
    PVOID Client;
    const WSK_PROVIDER_DISPATCH *Dispatch;
} WSK_PROVIDER_NPI;

NTSTATUS NTAPI WskRegister(WSK_CLIENT_NPI *WskClientNpi, WSK_REGISTRATION *WskRegistration);
VOID NTAPI WskDeregister(WSK_REGISTRATION *WskRegistration);
NTSTATUS NTAPI WskCaptureProviderNPI(WSK_REGISTRATION *WskRegistration, ULONG WaitTimeout, WSK_PROVIDER_NPI *WskProviderNpi);
VOID NTAPI WskReleaseProviderNPI(WSK_REGISTRATION *WskRegistration);

/* ---- netioapi.h ----------------------------------------------------------------------------- */
typedef enum _MIB_NOTIFICATION_TYPE { MibParameterNotification, MibAddInstance, MibDeleteInstance, MibInitialNotification } MIB_NOTIFICATION_TYPE;
typedef VOID (NTAPI *PIPINTERFACE_CHANGE_CALLBACK)(PVOID CallerContext, PVOID Row, MIB_NOTIFICATION_TYPE NotificationType);

NTSTATUS NTAPI GetIfEntry2(PVOID Row);
NTSTATUS NTAPI GetIpInterfaceTable(ADDRESS_FAMILY Family, PVOID *Table);
NTSTATUS NTAPI GetUnicastIpAddressTable(ADDRESS_FAMILY Family, PVOID *Table);
NTSTATUS NTAPI GetUnicastIpAddressEntry(PVOID Row);
VOID NTAPI FreeMibTable(PVOID Memory);
NTSTATUS NTAPI NotifyIpInterfaceChange(ADDRESS_FAMILY Family, PIPINTERFACE_CHANGE_CALLBACK Callback, PVOID CallerContext, BOOLEAN InitialNotification, HANDLE *NotificationHandle);
NTSTATUS NTAPI NotifyUnicastIpAddressChange(ADDRESS_FAMILY Family, PIPINTERFACE_CHANGE_CALLBACK Callback, PVOID CallerContext, BOOLEAN InitialNotification, HANDLE *NotificationHandle);
NTSTATUS NTAPI CancelMibChangeNotify2(HANDLE NotificationHandle);

/* ---- tdikrnl.h, ntddtdi.h ------------------------------------------------------------------- */
#define FILE_DEVICE_TRANSPORT_K 0x21
#define IOCTL_TDI_CONNECT_K CTL_CODE(FILE_DEVICE_TRANSPORT_K, 1, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_TDI_SET_EVENT_HANDLER_K CTL_CODE(FILE_DEVICE_TRANSPORT_K, 9, METHOD_BUFFERED, FILE_ANY_ACCESS)
NTSTATUS NTAPI TdiMapUserRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp, PIO_STACK_LOCATION IrpSp);

/* ---- ks.h ----------------------------------------------------------------------------------- */
PVOID NTAPI KsGetPinFromIrp(PIRP Irp);
PVOID NTAPI KsGetFilterFromIrp(PIRP Irp);
