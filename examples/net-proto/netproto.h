/*
 * netproto.sys — shared declarations.
 *
 * A packet-capture protocol driver in the style of WinPcap's npf.sys: it binds (on a machine with
 * adapters) to every adapter TCP/IP is bound to and exposes one capture device per adapter.
 *
 * mingw-w64 10 has no NDIS 6 ndis.h, so what this driver needs is declared here from Microsoft
 * Learn's reference pages (ndis.h: NDIS_OBJECT_HEADER, NDIS_PROTOCOL_DRIVER_CHARACTERISTICS,
 * NDIS_EVENT, the NDIS 5.x NDIS40/50_PROTOCOL_CHARACTERISTICS and NDIS_PACKET, and the Ndis*
 * routines). Handler types the driver never calls through are reduced to PVOID.
 */
#pragma once
#include <ntddk.h>
#include "../include/apitest.h"

#define NETPROTO_TAG 'pCtN'
#define NETPROTO_MAX_ADAPTERS 8

/* ---- ndis.h --------------------------------------------------------------------------------- */
typedef PVOID NDIS_HANDLE;
typedef int NDIS_STATUS;
typedef UNICODE_STRING NDIS_STRING;
typedef unsigned int UINT;

#define NDIS_STATUS_SUCCESS ((NDIS_STATUS)0x00000000L)
#define NDIS_STATUS_FAILURE ((NDIS_STATUS)0xC0000001L)
#define NDIS_STATUS_RESOURCES ((NDIS_STATUS)0xC000009AL)
#define NDIS_STATUS_BAD_VERSION ((NDIS_STATUS)0xC0010004L)
#define NDIS_STATUS_BAD_CHARACTERISTICS ((NDIS_STATUS)0xC0010005L)

typedef struct _NDIS_OBJECT_HEADER {
    UCHAR Type;
    UCHAR Revision;
    USHORT Size;
} NDIS_OBJECT_HEADER;

#define NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS 0x95
#define NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1 1
#define NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2 2

typedef struct _NDIS_PROTOCOL_DRIVER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    UCHAR MajorDriverVersion;
    UCHAR MinorDriverVersion;
    ULONG Flags;
    NDIS_STRING Name;
    PVOID SetOptionsHandler;
    PVOID BindAdapterHandlerEx;
    PVOID UnbindAdapterHandlerEx;
    PVOID OpenAdapterCompleteHandlerEx;
    PVOID CloseAdapterCompleteHandlerEx;
    PVOID NetPnPEventHandler;
    PVOID UninstallHandler;
    PVOID OidRequestCompleteHandler;
    PVOID StatusHandlerEx;
    PVOID ReceiveNetBufferListsHandler;
    PVOID SendNetBufferListsCompleteHandler;
    PVOID DirectOidRequestCompleteHandler;
} NDIS_PROTOCOL_DRIVER_CHARACTERISTICS;
#define NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_PROTOCOL_DRIVER_CHARACTERISTICS, SendNetBufferListsCompleteHandler)
#define NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2 RTL_SIZEOF_THROUGH_FIELD(NDIS_PROTOCOL_DRIVER_CHARACTERISTICS, DirectOidRequestCompleteHandler)

typedef struct _NDIS_EVENT {
    KEVENT Event;
} NDIS_EVENT, *PNDIS_EVENT;

/* NDIS 5.x (legacy) protocol characteristics: NDIS40 with the NDIS 5.0 additions. */
typedef struct _NDIS50_PROTOCOL_CHARACTERISTICS {
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    USHORT Filler;
    UINT Flags;
    PVOID OpenAdapterCompleteHandler;
    PVOID CloseAdapterCompleteHandler;
    PVOID SendCompleteHandler;
    PVOID TransferDataCompleteHandler;
    PVOID ResetCompleteHandler;
    PVOID RequestCompleteHandler;
    PVOID ReceiveHandler;
    PVOID ReceiveCompleteHandler;
    PVOID StatusHandler;
    PVOID StatusCompleteHandler;
    NDIS_STRING Name;
    PVOID ReceivePacketHandler;
    PVOID BindAdapterHandler;
    PVOID UnbindAdapterHandler;
    PVOID PnPEventHandler;
    PVOID UnloadHandler;
    PVOID ReservedHandlers[4];
    PVOID CoSendCompleteHandler;
    PVOID CoStatusHandler;
    PVOID CoReceivePacketHandler;
    PVOID CoAfRegisterNotifyHandler;
} NDIS50_PROTOCOL_CHARACTERISTICS;

typedef struct _NDIS_PACKET_PRIVATE {
    UINT PhysicalCount;
    UINT TotalLength;
    PMDL Head;
    PMDL Tail;
    NDIS_HANDLE Pool;
    UINT Count;
    ULONG Flags;
    BOOLEAN ValidCounts;
    UCHAR NdisPacketFlags;
    USHORT NdisPacketOobOffset;
} NDIS_PACKET_PRIVATE;

typedef struct _NDIS_PACKET {
    NDIS_PACKET_PRIVATE Private;
    UCHAR MacReserved[4 * sizeof(PVOID)];
    ULONG_PTR Reserved[2];
    UCHAR ProtocolReserved[1];
} NDIS_PACKET, *PNDIS_PACKET;

NTSYSAPI NDIS_STATUS NTAPI NdisRegisterProtocolDriver(NDIS_HANDLE ProtocolDriverContext, NDIS_PROTOCOL_DRIVER_CHARACTERISTICS *ProtocolCharacteristics, NDIS_HANDLE *NdisProtocolHandle);
NTSYSAPI VOID NTAPI NdisDeregisterProtocolDriver(NDIS_HANDLE NdisProtocolHandle);
NTSYSAPI VOID NTAPI NdisRegisterProtocol(NDIS_STATUS *Status, NDIS_HANDLE *NdisProtocolHandle, NDIS50_PROTOCOL_CHARACTERISTICS *ProtocolCharacteristics, UINT CharacteristicsLength);
NTSYSAPI VOID NTAPI NdisDeregisterProtocol(NDIS_STATUS *Status, NDIS_HANDLE NdisProtocolHandle);
NTSYSAPI VOID NTAPI NdisInitializeEvent(PNDIS_EVENT Event);
NTSYSAPI VOID NTAPI NdisSetEvent(PNDIS_EVENT Event);
NTSYSAPI VOID NTAPI NdisResetEvent(PNDIS_EVENT Event);
NTSYSAPI BOOLEAN NTAPI NdisWaitEvent(PNDIS_EVENT Event, UINT MsToWait);
NTSYSAPI CCHAR NTAPI NdisSystemProcessorCount(VOID);
NTSYSAPI ULONG NTAPI NdisGroupMaxProcessorCount(USHORT Group);
NTSYSAPI ULONG NTAPI NdisGroupActiveProcessorCount(USHORT Group);
NTSYSAPI VOID NTAPI NdisAllocatePacketPool(NDIS_STATUS *Status, NDIS_HANDLE *PoolHandle, UINT NumberOfDescriptors, UINT ProtocolReservedLength);
NTSYSAPI VOID NTAPI NdisAllocatePacketPoolEx(NDIS_STATUS *Status, NDIS_HANDLE *PoolHandle, UINT NumberOfDescriptors, UINT NumberOfOverflowDescriptors, UINT ProtocolReservedLength);
NTSYSAPI VOID NTAPI NdisFreePacketPool(NDIS_HANDLE PoolHandle);
NTSYSAPI VOID NTAPI NdisAllocatePacket(NDIS_STATUS *Status, PNDIS_PACKET *Packet, NDIS_HANDLE PoolHandle);
NTSYSAPI VOID NTAPI NdisFreePacket(PNDIS_PACKET Packet);

/* Configuration (Microsoft Learn: NDIS_CONFIGURATION_OBJECT, NDIS_PARAMETER_TYPE,
 * NDIS_CONFIGURATION_PARAMETER, NdisOpenConfigurationEx, NdisReadConfiguration,
 * NdisCloseConfiguration; objectheader.h's type 0xA9). */
#define NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT 0xA9
#define NDIS_CONFIGURATION_OBJECT_REVISION_1 1
typedef struct _NDIS_CONFIGURATION_OBJECT {
    NDIS_OBJECT_HEADER Header;
    NDIS_HANDLE NdisHandle;
    ULONG Flags;
} NDIS_CONFIGURATION_OBJECT;
#define NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_CONFIGURATION_OBJECT, Flags)
typedef enum _NDIS_PARAMETER_TYPE { NdisParameterInteger, NdisParameterHexInteger, NdisParameterString, NdisParameterMultiString, NdisParameterBinary } NDIS_PARAMETER_TYPE;
typedef struct _NDIS_CONFIGURATION_PARAMETER {
    NDIS_PARAMETER_TYPE ParameterType;
    union {
        ULONG IntegerData;
        UNICODE_STRING StringData;
    } ParameterData;
} NDIS_CONFIGURATION_PARAMETER, *PNDIS_CONFIGURATION_PARAMETER;
NTSYSAPI NDIS_STATUS NTAPI NdisOpenConfigurationEx(NDIS_CONFIGURATION_OBJECT *ConfigObject, NDIS_HANDLE *ConfigurationHandle);
NTSYSAPI VOID NTAPI NdisReadConfiguration(NDIS_STATUS *Status, PNDIS_CONFIGURATION_PARAMETER *ParameterValue, NDIS_HANDLE ConfigurationHandle, PUNICODE_STRING Keyword, NDIS_PARAMETER_TYPE ParameterType);
NTSYSAPI VOID NTAPI NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle);

/* ---- the driver ------------------------------------------------------------------------------ */
typedef struct _NETPROTO_GLOBALS {
    PDRIVER_OBJECT Driver;
    NDIS_HANDLE Protocol;
    ULONG AdapterCount;
    PDEVICE_OBJECT Devices[NETPROTO_MAX_ADAPTERS];
    ULONG BindCalls;
} NETPROTO_GLOBALS;

extern NETPROTO_GLOBALS g_Proto;

/* bindings.c */
NTSTATUS ProtoReadTcpBindings(PWSTR *Bindings);
/* protocol.c */
void ProtoFillCharacteristics(NDIS_PROTOCOL_DRIVER_CHARACTERISTICS *chars, PCWSTR name);
void ProtoFillLegacyCharacteristics(NDIS50_PROTOCOL_CHARACTERISTICS *chars, PCWSTR name);
NDIS_STATUS ProtoRegister(void);
void ProtoDeregister(void);
