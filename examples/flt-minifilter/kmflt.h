/*
 * kmflt.sys — shared declarations.
 *
 * mingw-w64 10 has no fltKernel.h, fwpsk.h or fwpmk.h, so the few declarations this driver needs
 * are written here from Microsoft Learn's reference pages (fltkernel.h: FLT_REGISTRATION,
 * FLT_OPERATION_REGISTRATION, the Flt* routines; fwpsk.h / fwpmk.h / fwpmtypes.h / fwptypes.h:
 * FWPS_CALLOUT1, FWPM_SESSION0, FWPM_SUBLAYER0, FWPM_CALLOUT0, FWPM_FILTER0 and the Fwp*
 * routines). Field order and types follow those pages; callback types the driver never calls
 * through are reduced to PVOID.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define KMFLT_TAG 'tlFK'
#define FLTAPI NTAPI

/* ---- fltkernel.h ---------------------------------------------------------------------------- */
typedef struct _FLT_FILTER *PFLT_FILTER;
typedef struct _FLT_PORT *PFLT_PORT;
typedef struct _FLT_CALLBACK_DATA *PFLT_CALLBACK_DATA;
typedef const struct _FLT_RELATED_OBJECTS *PCFLT_RELATED_OBJECTS;
typedef ULONG FLT_FILTER_UNLOAD_FLAGS;
typedef ULONG FLT_POST_OPERATION_FLAGS;

typedef enum _FLT_PREOP_CALLBACK_STATUS {
    FLT_PREOP_SUCCESS_WITH_CALLBACK,
    FLT_PREOP_SUCCESS_NO_CALLBACK,
    FLT_PREOP_PENDING,
    FLT_PREOP_DISALLOW_FASTIO,
    FLT_PREOP_COMPLETE,
    FLT_PREOP_SYNCHRONIZE
} FLT_PREOP_CALLBACK_STATUS;
typedef enum _FLT_POSTOP_CALLBACK_STATUS {
    FLT_POSTOP_FINISHED_PROCESSING,
    FLT_POSTOP_MORE_PROCESSING_REQUIRED
} FLT_POSTOP_CALLBACK_STATUS;

typedef FLT_PREOP_CALLBACK_STATUS (FLTAPI *PFLT_PRE_OPERATION_CALLBACK)(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID *CompletionContext);
typedef FLT_POSTOP_CALLBACK_STATUS (FLTAPI *PFLT_POST_OPERATION_CALLBACK)(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID CompletionContext, FLT_POST_OPERATION_FLAGS Flags);
typedef NTSTATUS (FLTAPI *PFLT_FILTER_UNLOAD_CALLBACK)(FLT_FILTER_UNLOAD_FLAGS Flags);
typedef NTSTATUS (FLTAPI *PFLT_INSTANCE_SETUP_CALLBACK)(PCFLT_RELATED_OBJECTS FltObjects, ULONG Flags, ULONG VolumeDeviceType, ULONG VolumeFilesystemType);
typedef NTSTATUS (FLTAPI *PFLT_INSTANCE_QUERY_TEARDOWN_CALLBACK)(PCFLT_RELATED_OBJECTS FltObjects, ULONG Flags);

typedef struct _FLT_OPERATION_REGISTRATION {
    UCHAR MajorFunction;
    ULONG Flags;
    PFLT_PRE_OPERATION_CALLBACK PreOperation;
    PFLT_POST_OPERATION_CALLBACK PostOperation;
    PVOID Reserved1;
} FLT_OPERATION_REGISTRATION;

typedef struct _FLT_REGISTRATION {
    USHORT Size;
    USHORT Version;
    ULONG Flags;
    const void *ContextRegistration;
    const FLT_OPERATION_REGISTRATION *OperationRegistration;
    PFLT_FILTER_UNLOAD_CALLBACK FilterUnloadCallback;
    PFLT_INSTANCE_SETUP_CALLBACK InstanceSetupCallback;
    PFLT_INSTANCE_QUERY_TEARDOWN_CALLBACK InstanceQueryTeardownCallback;
    PVOID InstanceTeardownStartCallback;
    PVOID InstanceTeardownCompleteCallback;
    PVOID GenerateFileNameCallback;
    PVOID NormalizeNameComponentCallback;
    PVOID NormalizeContextCleanupCallback;
    PVOID TransactionNotificationCallback;
    PVOID NormalizeNameComponentExCallback;
    PVOID SectionNotificationCallback;
} FLT_REGISTRATION;

#define FLT_REGISTRATION_VERSION 0x0203
#define IRP_MJ_OPERATION_END ((UCHAR)0x80)
#define FLT_PORT_CONNECT 0x0001
#define FLT_PORT_ALL_ACCESS (FLT_PORT_CONNECT | STANDARD_RIGHTS_ALL)
#ifndef STATUS_PORT_DISCONNECTED
#define STATUS_PORT_DISCONNECTED ((NTSTATUS)0xC0000037L)
#endif

typedef NTSTATUS (FLTAPI *PFLT_CONNECT_NOTIFY)(PFLT_PORT ClientPort, PVOID ServerPortCookie, PVOID ConnectionContext, ULONG SizeOfContext, PVOID *ConnectionPortCookie);
typedef VOID (FLTAPI *PFLT_DISCONNECT_NOTIFY)(PVOID ConnectionCookie);
typedef NTSTATUS (FLTAPI *PFLT_MESSAGE_NOTIFY)(PVOID PortCookie, PVOID InputBuffer, ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength, PULONG ReturnOutputBufferLength);

NTSTATUS FLTAPI FltRegisterFilter(PDRIVER_OBJECT Driver, const FLT_REGISTRATION *Registration, PFLT_FILTER *RetFilter);
NTSTATUS FLTAPI FltStartFiltering(PFLT_FILTER Filter);
VOID FLTAPI FltUnregisterFilter(PFLT_FILTER Filter);
NTSTATUS FLTAPI FltCreateCommunicationPort(PFLT_FILTER Filter, PFLT_PORT *ServerPort, POBJECT_ATTRIBUTES ObjectAttributes, PVOID ServerPortCookie,
    PFLT_CONNECT_NOTIFY ConnectNotifyCallback, PFLT_DISCONNECT_NOTIFY DisconnectNotifyCallback, PFLT_MESSAGE_NOTIFY MessageNotifyCallback, LONG MaxConnections);
VOID FLTAPI FltCloseCommunicationPort(PFLT_PORT ServerPort);
VOID FLTAPI FltCloseClientPort(PFLT_FILTER Filter, PFLT_PORT *ClientPort);
NTSTATUS FLTAPI FltSendMessage(PFLT_FILTER Filter, PFLT_PORT *ClientPort, PVOID SenderBuffer, ULONG SenderBufferLength, PVOID ReplyBuffer, PULONG ReplyLength, PLARGE_INTEGER Timeout);
NTSTATUS FLTAPI FltBuildDefaultSecurityDescriptor(PSECURITY_DESCRIPTOR *SecurityDescriptor, ACCESS_MASK DesiredAccess);
VOID FLTAPI FltFreeSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor);
VOID FLTAPI FltInitializePushLock(PEX_PUSH_LOCK PushLock);
VOID FLTAPI FltAcquirePushLockExclusive(PEX_PUSH_LOCK PushLock);
VOID FLTAPI FltAcquirePushLockShared(PEX_PUSH_LOCK PushLock);
VOID FLTAPI FltReleasePushLock(PEX_PUSH_LOCK PushLock);
VOID FLTAPI FltDeletePushLock(PEX_PUSH_LOCK PushLock);
NTSTATUS FLTAPI FltParseFileName(PCUNICODE_STRING FileName, PUNICODE_STRING Extension, PUNICODE_STRING Stream, PUNICODE_STRING FinalComponent);
PVOID FLTAPI FltGetRoutineAddress(PCSTR FltMgrRoutineName);

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

NTSTATUS NTAPI FwpmEngineOpen0(const wchar_t *serverName, UINT32 authnService, void *authIdentity, const FWPM_SESSION0 *session, HANDLE *engineHandle);
NTSTATUS NTAPI FwpmEngineClose0(HANDLE engineHandle);
NTSTATUS NTAPI FwpmTransactionBegin0(HANDLE engineHandle, UINT32 flags);
NTSTATUS NTAPI FwpmTransactionCommit0(HANDLE engineHandle);
NTSTATUS NTAPI FwpmTransactionAbort0(HANDLE engineHandle);
NTSTATUS NTAPI FwpmSubLayerAdd0(HANDLE engineHandle, const FWPM_SUBLAYER0 *subLayer, PSECURITY_DESCRIPTOR sd);
NTSTATUS NTAPI FwpmCalloutAdd0(HANDLE engineHandle, const FWPM_CALLOUT0 *callout, PSECURITY_DESCRIPTOR sd, UINT32 *id);
NTSTATUS NTAPI FwpmFilterAdd0(HANDLE engineHandle, const FWPM_FILTER0 *filter, PSECURITY_DESCRIPTOR sd, UINT64 *id);
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
int TestFilterArgs(void);
int TestPortArgs(void);
int TestPushLocks(void);
int TestParseFileName(void);
int TestWfp(void);
int WildRegistration(void);
int UnregisterWithPortOpen(void);
