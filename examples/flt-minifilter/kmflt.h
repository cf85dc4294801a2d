/*
 * kmflt.sys — shared declarations.
 *
 * The Filter Manager comes from <fltKernel.h> (mingw-w64 10 has none; kmdll's compatibility header
 * layer provides it). mingw-w64 has no fwpsk.h or fwpmk.h either, so the few WFP declarations
 * this driver needs are written here from Microsoft Learn's reference pages (fwpsk.h / fwpmk.h /
 * fwpmtypes.h / fwptypes.h: FWPS_CALLOUT1, FWPM_SESSION0, FWPM_SUBLAYER0, FWPM_CALLOUT0,
 * FWPM_FILTER0 and the Fwp* routines). Field order and types follow those pages; callback types the driver never calls
 * through are reduced to PVOID.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define KMFLT_TAG 'tlFK'

/* ---- fltkernel.h: kmdll's compatibility header (data/include/fltkernel.h) --------------------- */
#include <fltKernel.h>

/* ---- fwptypes.h / fwpmtypes.h / fwpsk.h / fwpmk.h -------------------------------------------- */
typedef struct FWP_BYTE_BLOB_ { UINT32 size; UINT8 *data; } FWP_BYTE_BLOB;
typedef struct FWPM_DISPLAY_DATA0_ { wchar_t *name; wchar_t *description; } FWPM_DISPLAY_DATA0;
typedef struct FWP_VALUE0_ { UINT32 type; union { UINT8 uint8; UINT16 uint16; UINT32 uint32; UINT64 *uint64; void *ptr; }; } FWP_VALUE0;
typedef struct FWPM_ACTION0_ { UINT32 type; union { GUID filterType; GUID calloutKey; }; } FWPM_ACTION0;

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

typedef struct FWPM_FILTER0_ {
    GUID filterKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    GUID *providerKey;
    FWP_BYTE_BLOB providerData;
    GUID layerKey;
    GUID subLayerKey;
    FWP_VALUE0 weight;
    UINT32 numFilterConditions;
    void *filterCondition;
    FWPM_ACTION0 action;
    union { UINT64 rawContext; GUID providerContextKey; };
    GUID *reserved;
    UINT64 filterId;
    FWP_VALUE0 effectiveWeight;
} FWPM_FILTER0;

typedef struct FWPS_CALLOUT1_ {
    GUID calloutKey;
    UINT32 flags;
    PVOID classifyFn;   /* FWPS_CALLOUT_CLASSIFY_FN1 */
    PVOID notifyFn;     /* FWPS_CALLOUT_NOTIFY_FN1 */
    PVOID flowDeleteFn; /* FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 */
} FWPS_CALLOUT1;

#define RPC_C_AUTHN_WINNT 10
#define FWPM_SESSION_FLAG_DYNAMIC 0x00000001
#define FWP_ACTION_FLAG_CALLOUT 0x00004000
#define FWP_ACTION_CALLOUT_TERMINATING (0x00000003 | FWP_ACTION_FLAG_CALLOUT | 0x00001000)
#define FWP_EMPTY 0
#ifndef STATUS_FWP_CALLOUT_NOT_FOUND
#define STATUS_FWP_CALLOUT_NOT_FOUND ((NTSTATUS)0xC0220001L)
#define STATUS_FWP_SUBLAYER_NOT_FOUND ((NTSTATUS)0xC0220007L)
#define STATUS_FWP_ALREADY_EXISTS ((NTSTATUS)0xC0220009L)
#define STATUS_FWP_TXN_IN_PROGRESS ((NTSTATUS)0xC022000EL)
#define STATUS_FWP_NO_TXN_IN_PROGRESS ((NTSTATUS)0xC022000DL)
#endif
#ifndef STATUS_FWP_IN_USE
#define STATUS_FWP_FILTER_NOT_FOUND ((NTSTATUS)0xC0220003L)
#define STATUS_FWP_IN_USE ((NTSTATUS)0xC022000AL)
#endif

NTSTATUS NTAPI FwpmEngineOpen0(const wchar_t *serverName, UINT32 authnService, void *authIdentity, const FWPM_SESSION0 *session, HANDLE *engineHandle);
NTSTATUS NTAPI FwpmEngineClose0(HANDLE engineHandle);
NTSTATUS NTAPI FwpmTransactionBegin0(HANDLE engineHandle, UINT32 flags);
NTSTATUS NTAPI FwpmTransactionCommit0(HANDLE engineHandle);
NTSTATUS NTAPI FwpmTransactionAbort0(HANDLE engineHandle);
NTSTATUS NTAPI FwpmSubLayerAdd0(HANDLE engineHandle, const FWPM_SUBLAYER0 *subLayer, PSECURITY_DESCRIPTOR sd);
NTSTATUS NTAPI FwpmCalloutAdd0(HANDLE engineHandle, const FWPM_CALLOUT0 *callout, PSECURITY_DESCRIPTOR sd, UINT32 *id);
NTSTATUS NTAPI FwpmFilterAdd0(HANDLE engineHandle, const FWPM_FILTER0 *filter, PSECURITY_DESCRIPTOR sd, UINT64 *id);
NTSTATUS NTAPI FwpmSubLayerDeleteByKey0(HANDLE engineHandle, const GUID *key);
NTSTATUS NTAPI FwpmCalloutDeleteByKey0(HANDLE engineHandle, const GUID *key);
NTSTATUS NTAPI FwpmFilterDeleteByKey0(HANDLE engineHandle, const GUID *key);
NTSTATUS NTAPI FwpmFilterDeleteById0(HANDLE engineHandle, UINT64 id);
NTSTATUS NTAPI FwpmCalloutDeleteById0(HANDLE engineHandle, UINT32 id);
NTSTATUS NTAPI FwpsCalloutRegister1(void *deviceObject, const FWPS_CALLOUT1 *callout, UINT32 *calloutId);
NTSTATUS NTAPI FwpsCalloutUnregisterById0(const UINT32 calloutId);
NTSTATUS NTAPI FwpsCalloutUnregisterByKey0(const GUID *calloutKey);
NTSTATUS NTAPI FwpsRedirectHandleCreate0(const GUID *providerGuid, UINT32 flags, HANDLE *redirectHandle);
VOID NTAPI FwpsRedirectHandleDestroy0(HANDLE redirectHandle);

/* ---- kmflt.sys ------------------------------------------------------------------------------ */
typedef struct _KMFLT_GLOBALS {
    PDRIVER_OBJECT Driver;
    PDEVICE_OBJECT Device;
    PFLT_FILTER Filter;
    PFLT_PORT ServerPort;
    PFLT_PORT ClientPort;
    ULONG UnloadCalls;
} KMFLT_GLOBALS;
extern KMFLT_GLOBALS g_Kmflt;
extern const FLT_REGISTRATION g_FilterRegistration;

/* filter.c */
NTSTATUS FLTAPI KmfltUnload(FLT_FILTER_UNLOAD_FLAGS Flags);
DRIVER_UNLOAD KmfltDriverUnload;
/* port.c */
NTSTATUS KmfltCreatePort(PFLT_FILTER Filter, PCWSTR Name, PFLT_PORT *Port);
NTSTATUS FLTAPI KmfltConnect(PFLT_PORT ClientPort, PVOID ServerPortCookie, PVOID ConnectionContext, ULONG SizeOfContext, PVOID *ConnectionPortCookie);
VOID FLTAPI KmfltDisconnect(PVOID ConnectionCookie);
NTSTATUS FLTAPI KmfltMessage(PVOID PortCookie, PVOID InputBuffer, ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength, PULONG ReturnOutputBufferLength);
/* wfp.c */
extern const GUID KMFLT_CALLOUT_KEY;
VOID NTAPI KmfltClassify(void);
VOID NTAPI KmfltNotify(void);

/* checks.c: the Test* exports */
int NTAPI TestFilterArgs(void);
int NTAPI TestPortArgs(void);
int NTAPI TestPushLocks(void);
int NTAPI TestParseFileName(void);
int NTAPI TestWfp(void);
int NTAPI WildRegistration(void);
int NTAPI UnregisterWithPortOpen(void);
