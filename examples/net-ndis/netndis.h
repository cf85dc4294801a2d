/*
 * netndis.sys — shared declarations.
 *
 * A small virtual network miniport (a tunnel adapter's driver, in the style of the signed NDIS 6
 * drivers that VPN and packet-capture packages ship) that is also a WFP client: DriverEntry
 * checks the NDIS version, makes its NET_BUFFER_LIST and NET_BUFFER pools and a WFP injection
 * handle, registers a WFP provider, then registers as an NDIS miniport; NDIS's unload calls its
 * MiniportDriverUnload, which undoes all of it.
 *
 * mingw-w64 10 has no NDIS 6 ndis.h and no fwpsk.h/fwpmk.h, so the declarations this driver needs
 * are written here from Microsoft Learn's reference pages (ndis.h: NDIS_OBJECT_HEADER,
 * NET_BUFFER_LIST_POOL_PARAMETERS, NET_BUFFER_POOL_PARAMETERS,
 * NDIS_MINIPORT_DRIVER_CHARACTERISTICS and the Ndis* routines; fwpsk.h/fwpmk.h: FWPM_PROVIDER0,
 * FwpsInjectionHandleCreate0 ...). Field order and types follow those pages; handler types the
 * driver never calls through are reduced to PVOID.
 */
#pragma once
#include <ntddk.h>
#include "../include/apitest.h"

#define NETNDIS_TAG 'dNtN'

/* ---- ndis.h --------------------------------------------------------------------------------- */
typedef PVOID NDIS_HANDLE;
typedef int NDIS_STATUS;

typedef struct _NDIS_OBJECT_HEADER {
    UCHAR Type;
    UCHAR Revision;
    USHORT Size;
} NDIS_OBJECT_HEADER;

#define NDIS_OBJECT_TYPE_DEFAULT 0x80
#define NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS 0x8A

typedef struct _NET_BUFFER_LIST_POOL_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    UCHAR ProtocolId;
    BOOLEAN fAllocateNetBuffer;
    USHORT ContextSize;
    ULONG PoolTag;
    ULONG DataSize;
} NET_BUFFER_LIST_POOL_PARAMETERS;
#define NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 1
#define NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NET_BUFFER_LIST_POOL_PARAMETERS, DataSize)
#define NDIS_PROTOCOL_ID_DEFAULT 0x00

typedef struct _NET_BUFFER_POOL_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    ULONG PoolTag;
    ULONG DataSize;
} NET_BUFFER_POOL_PARAMETERS;
#define NET_BUFFER_POOL_PARAMETERS_REVISION_1 1
#define NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NET_BUFFER_POOL_PARAMETERS, DataSize)

typedef struct _NDIS_MINIPORT_DRIVER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    UCHAR MajorDriverVersion;
    UCHAR MinorDriverVersion;
    ULONG Flags;
    PVOID SetOptionsHandler;
    PVOID InitializeHandlerEx;
    PVOID HaltHandlerEx;
    PVOID UnloadHandler;
    PVOID PauseHandler;
    PVOID RestartHandler;
    PVOID OidRequestHandler;
    PVOID SendNetBufferListsHandler;
    PVOID ReturnNetBufferListsHandler;
    PVOID CancelSendHandler;
    PVOID CheckForHangHandlerEx;
    PVOID ResetHandlerEx;
    PVOID DevicePnPEventNotifyHandler;
    PVOID ShutdownHandlerEx;
    PVOID CancelOidRequestHandler;
    PVOID DirectOidRequestHandler;
    PVOID CancelDirectOidRequestHandler;
} NDIS_MINIPORT_DRIVER_CHARACTERISTICS;
#define NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 2
#define NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, CancelDirectOidRequestHandler)

#define NDIS_STATUS_SUCCESS ((NDIS_STATUS)STATUS_SUCCESS)
#define NDIS_STATUS_BAD_VERSION ((NDIS_STATUS)0xC0010004L)
#define NDIS_STATUS_BAD_CHARACTERISTICS ((NDIS_STATUS)0xC0010005L)

ULONG NTAPI NdisGetVersion(void);
NDIS_HANDLE NTAPI NdisAllocateNetBufferListPool(NDIS_HANDLE NdisHandle, NET_BUFFER_LIST_POOL_PARAMETERS *Parameters);
VOID NTAPI NdisFreeNetBufferListPool(NDIS_HANDLE PoolHandle);
NDIS_HANDLE NTAPI NdisAllocateNetBufferPool(NDIS_HANDLE NdisHandle, NET_BUFFER_POOL_PARAMETERS *Parameters);
VOID NTAPI NdisFreeNetBufferPool(NDIS_HANDLE PoolHandle);
NDIS_STATUS NTAPI NdisMRegisterMiniportDriver(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath, NDIS_HANDLE MiniportDriverContext,
                                              NDIS_MINIPORT_DRIVER_CHARACTERISTICS *MiniportDriverCharacteristics, NDIS_HANDLE *NdisMiniportDriverHandle);
VOID NTAPI NdisMDeregisterMiniportDriver(NDIS_HANDLE NdisMiniportDriverHandle);

/* ---- fwpmtypes.h / fwpsk.h / fwpmk.h -------------------------------------------------------- */
typedef struct FWP_BYTE_BLOB_ { UINT32 size; UINT8 *data; } FWP_BYTE_BLOB;
typedef struct FWPM_DISPLAY_DATA0_ { wchar_t *name; wchar_t *description; } FWPM_DISPLAY_DATA0;
typedef struct FWPM_SESSION0_ {
    GUID sessionKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    UINT32 txnWaitTimeoutInMSec;
    ULONG processId;
    PSID sid;
    wchar_t *username;
    BOOLEAN kernelMode;
} FWPM_SESSION0;
typedef struct FWPM_PROVIDER0_ {
    GUID providerKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    FWP_BYTE_BLOB providerData;
    wchar_t *serviceName;
} FWPM_PROVIDER0;
typedef struct FWPM_SUBLAYER0_ {
    GUID subLayerKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    GUID *providerKey;
    FWP_BYTE_BLOB providerData;
    UINT16 weight;
} FWPM_SUBLAYER0;
typedef struct FWPM_CALLOUT0_ {
    GUID calloutKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    GUID *providerKey;
    FWP_BYTE_BLOB providerData;
    GUID applicableLayer;
    UINT32 calloutId;
} FWPM_CALLOUT0;

#define RPC_C_AUTHN_WINNT 10
#define AF_INET 2
#define AF_INET6 23
#define FWPS_INJECTION_TYPE_NETWORK 0x00000004
#define FWPS_INJECTION_TYPE_FORWARD 0x00000008
#define STATUS_FWP_CALLOUT_NOT_FOUND ((NTSTATUS)0xC0220001L)
#define STATUS_FWP_PROVIDER_NOT_FOUND ((NTSTATUS)0xC0220005L)
#define STATUS_FWP_SUBLAYER_NOT_FOUND ((NTSTATUS)0xC0220007L)
#define STATUS_FWP_ALREADY_EXISTS ((NTSTATUS)0xC0220009L)
#define STATUS_FWP_IN_USE ((NTSTATUS)0xC022000AL)

NTSTATUS NTAPI FwpmEngineOpen0(const wchar_t *serverName, UINT32 authnService, void *authIdentity, const FWPM_SESSION0 *session, HANDLE *engineHandle);
NTSTATUS NTAPI FwpmEngineClose0(HANDLE engineHandle);
NTSTATUS NTAPI FwpmTransactionBegin0(HANDLE engineHandle, UINT32 flags);
NTSTATUS NTAPI FwpmTransactionAbort0(HANDLE engineHandle);
NTSTATUS NTAPI FwpmProviderAdd0(HANDLE engineHandle, const FWPM_PROVIDER0 *provider, PSECURITY_DESCRIPTOR sd);
NTSTATUS NTAPI FwpmProviderDeleteByKey0(HANDLE engineHandle, const GUID *key);
NTSTATUS NTAPI FwpmSubLayerAdd0(HANDLE engineHandle, const FWPM_SUBLAYER0 *subLayer, PSECURITY_DESCRIPTOR sd);
NTSTATUS NTAPI FwpmSubLayerDeleteByKey0(HANDLE engineHandle, const GUID *key);
NTSTATUS NTAPI FwpmCalloutAdd0(HANDLE engineHandle, const FWPM_CALLOUT0 *callout, PSECURITY_DESCRIPTOR sd, UINT32 *id);
NTSTATUS NTAPI FwpmCalloutGetByKey0(HANDLE engineHandle, const GUID *key, FWPM_CALLOUT0 **callout);
NTSTATUS NTAPI FwpmCalloutGetById0(HANDLE engineHandle, UINT32 id, FWPM_CALLOUT0 **callout);
NTSTATUS NTAPI FwpmCalloutDeleteByKey0(HANDLE engineHandle, const GUID *key);
void NTAPI FwpmFreeMemory0(void **p);
NTSTATUS NTAPI FwpsInjectionHandleCreate0(USHORT addressFamily, UINT32 flags, HANDLE *injectionHandle);
NTSTATUS NTAPI FwpsInjectionHandleDestroy0(HANDLE injectionHandle);

/* ---- netndis.sys ------------------------------------------------------------------------------ */
typedef struct _NETNDIS_GLOBALS {
    PDRIVER_OBJECT Driver;
    NDIS_HANDLE MiniportDriver;
    NDIS_HANDLE NblPool;
    NDIS_HANDLE NbPool;
    HANDLE Injection;
    HANDLE Engine;
    ULONG UnloadCalls;
} NETNDIS_GLOBALS;
extern NETNDIS_GLOBALS g_Net;
extern const GUID NETNDIS_PROVIDER_KEY;

/* miniport.c */
NDIS_STATUS NetRegisterMiniport(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
void NetFillCharacteristics(NDIS_MINIPORT_DRIVER_CHARACTERISTICS *Chars);
/* pools.c */
NTSTATUS NetAllocatePools(void);
void NetFreePools(void);
/* checks.c: the Test* exports */
int NTAPI TestNdisVersion(void);
int NTAPI TestNdisPools(void);
int NTAPI TestNdisRegistration(void);
int NTAPI TestWfpProviders(void);
int NTAPI WildPoolParameters(void);
int NTAPI FreeUnknownPool(void);
/* timers.c */
int NTAPI TestNdisTimer(void);
int NTAPI TestNdisProcessorInfo(void);
int NTAPI FreeUnknownTimer(void);
int NTAPI WildTimerCharacteristics(void);
/* im.c */
int NTAPI TestNdisIMAssociate(void);
int NTAPI AssociateUnknownProtocol(void);

/* ---- ndis.h: configuration (Microsoft Learn: NDIS_CONFIGURATION_OBJECT, NDIS_PARAMETER_TYPE,
 * NDIS_CONFIGURATION_PARAMETER, NdisOpenConfigurationEx, NdisReadConfiguration,
 * NdisOpenConfigurationKeyByName, NdisCloseConfiguration; objectheader.h's type 0xA9) ---------- */
#define NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT 0xA9
#define NDIS_CONFIGURATION_OBJECT_REVISION_1 1
#define NDIS_STATUS_FAILURE ((NDIS_STATUS)0xC0000001L)

typedef struct _NDIS_CONFIGURATION_OBJECT {
    NDIS_OBJECT_HEADER Header;
    NDIS_HANDLE NdisHandle;
    ULONG Flags;
} NDIS_CONFIGURATION_OBJECT, *PNDIS_CONFIGURATION_OBJECT;
#define NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_CONFIGURATION_OBJECT, Flags)

typedef enum _NDIS_PARAMETER_TYPE {
    NdisParameterInteger,
    NdisParameterHexInteger,
    NdisParameterString,
    NdisParameterMultiString,
    NdisParameterBinary
} NDIS_PARAMETER_TYPE;

typedef struct _NETNDIS_BINARY_DATA {
    USHORT Length;
    PVOID Buffer;
} NETNDIS_BINARY_DATA;

typedef struct _NDIS_CONFIGURATION_PARAMETER {
    NDIS_PARAMETER_TYPE ParameterType;
    union {
        ULONG IntegerData;
        UNICODE_STRING StringData;
        NETNDIS_BINARY_DATA BinaryData;
    } ParameterData;
} NDIS_CONFIGURATION_PARAMETER, *PNDIS_CONFIGURATION_PARAMETER;

NDIS_STATUS NTAPI NdisOpenConfigurationEx(PNDIS_CONFIGURATION_OBJECT ConfigObject, NDIS_HANDLE *ConfigurationHandle);
VOID NTAPI NdisReadConfiguration(NDIS_STATUS *Status, PNDIS_CONFIGURATION_PARAMETER *ParameterValue, NDIS_HANDLE ConfigurationHandle, PUNICODE_STRING Keyword, NDIS_PARAMETER_TYPE ParameterType);
VOID NTAPI NdisOpenConfigurationKeyByName(NDIS_STATUS *Status, NDIS_HANDLE ConfigurationHandle, PUNICODE_STRING SubKeyName, NDIS_HANDLE *SubKeyHandle);
VOID NTAPI NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle);
int NTAPI TestNdisConfiguration(void);

/* ---- ndis.h: memory and strings (Microsoft Learn: NdisAllocateMemoryWithTagPriority,
 * NdisFreeMemoryWithTagPriority, NdisFreeMemory, NdisInitializeString, NdisFreeString) ----------- */
typedef enum _NETNDIS_POOL_PRIORITY { NetNdisLowPoolPriority = 0, NetNdisNormalPoolPriority = 16, NetNdisHighPoolPriority = 32 } NETNDIS_POOL_PRIORITY;
PVOID NTAPI NdisAllocateMemoryWithTagPriority(NDIS_HANDLE NdisHandle, ULONG Length, ULONG Tag, NETNDIS_POOL_PRIORITY Priority);
VOID NTAPI NdisFreeMemoryWithTagPriority(NDIS_HANDLE NdisHandle, PVOID VirtualAddress, ULONG Tag);
VOID NTAPI NdisFreeMemory(PVOID VirtualAddress, ULONG Length, ULONG MemoryFlags);
VOID NTAPI NdisInitializeString(PUNICODE_STRING Destination, PUCHAR Source);
#define NdisFreeString(String) NdisFreeMemory((String).Buffer, (String).MaximumLength, 0)
int NTAPI TestNdisMemory(void);
