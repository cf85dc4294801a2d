/*
 * kmflt.sys's Test* exports (called after the service started): the Filter Manager and WFP
 * routines on valid and invalid arguments, each result checked.
 */
#include "kmflt.h"

/* {0b8a7f3e-55d1-4c2e-8f0a-3e9d6c1b2a01} and two more keys */
static const GUID SUBLAYER_KEY = { 0x0b8a7f3e, 0x55d1, 0x4c2e, { 0x8f, 0x0a, 0x3e, 0x9d, 0x6c, 0x1b, 0x2a, 0x01 } };
static const GUID UNKNOWN_KEY = { 0x0b8a7f3e, 0x55d1, 0x4c2e, { 0x8f, 0x0a, 0x3e, 0x9d, 0x6c, 0x1b, 0x2a, 0x02 } };
static const GUID FILTER_KEY = { 0x0b8a7f3e, 0x55d1, 0x4c2e, { 0x8f, 0x0a, 0x3e, 0x9d, 0x6c, 0x1b, 0x2a, 0x03 } };
/* FWPM_LAYER_ALE_AUTH_CONNECT_V4 {c38d57d1-05a7-4c33-904f-7fbceee60e82} (fwpmu.h) */
static const GUID LAYER_CONNECT_V4 = { 0xc38d57d1, 0x05a7, 0x4c33, { 0x90, 0x4f, 0x7f, 0xbc, 0xee, 0xe6, 0x0e, 0x82 } };

int NTAPI TestFilterArgs(void)
{
    int failures = 0;
    PFLT_FILTER filter = NULL;
    FLT_REGISTRATION bad = g_FilterRegistration;

    CHECK(g_Kmflt.Filter != NULL && g_Kmflt.ServerPort != NULL);
    /* A registration of another version is refused; nothing is registered. */
    bad.Version = 0x0100;
    CHECK(FltRegisterFilter(g_Kmflt.Driver, &bad, &filter) == STATUS_INVALID_PARAMETER && filter == NULL);
    /* The Filter Manager replaced the driver's DriverUnload with its own routine. */
    CHECK(g_Kmflt.Driver->DriverUnload != NULL);
    CHECK((PUCHAR)g_Kmflt.Driver->DriverUnload < (PUCHAR)g_Kmflt.Driver->DriverStart ||
          (PUCHAR)g_Kmflt.Driver->DriverUnload >= (PUCHAR)g_Kmflt.Driver->DriverStart + g_Kmflt.Driver->DriverSize);
    CHECK(g_Kmflt.Driver->DriverUnload != KmfltDriverUnload);
    /* FltGetRoutineAddress finds Filter Manager exports only (each its own address). */
    CHECK(FltGetRoutineAddress("FltStartFiltering") != NULL);
    CHECK(FltGetRoutineAddress("FltStartFiltering") != FltGetRoutineAddress("FltUnregisterFilter"));
    CHECK(FltGetRoutineAddress("FltNoSuchRoutine") == NULL && FltGetRoutineAddress("ExAllocatePool2") == NULL);
    CHECK(g_Kmflt.UnloadCalls == 0);
    return failures;
}

int NTAPI TestPortArgs(void)
{
    int failures = 0;
    PFLT_PORT port = NULL, client = NULL;
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING name;
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_DESCRIPTOR *abs;
    ULONG reply = 0;
    UCHAR msg[4] = { 1, 2, 3, 4 };

    /* The default descriptor: absolute, a DACL with two ACEs (System, Administrators). */
    CHECK(FltBuildDefaultSecurityDescriptor(&sd, FLT_PORT_ALL_ACCESS) == STATUS_SUCCESS && sd != NULL);
    if (sd) {
        abs = (SECURITY_DESCRIPTOR *)sd;
        CHECK(abs->Revision == SECURITY_DESCRIPTOR_REVISION && (abs->Control & SE_DACL_PRESENT) && !(abs->Control & SE_SELF_RELATIVE));
        CHECK(abs->Dacl != NULL && abs->Dacl->AceCount == 2 && RtlValidSecurityDescriptor(sd));
        /* The usual "allow everyone" change of a minifilter's port works on it. */
        CHECK(RtlSetDaclSecurityDescriptor(sd, TRUE, NULL, FALSE) == STATUS_SUCCESS);
    }

    /* The port name is taken; required callbacks and MaxConnections > 0. */
    CHECK(KmfltCreatePort(g_Kmflt.Filter, L"\\KmFltPort", &port) == STATUS_OBJECT_NAME_COLLISION);
    RtlInitUnicodeString(&name, L"\\KmFltPort2");
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE, NULL, sd);
    CHECK(FltCreateCommunicationPort(g_Kmflt.Filter, &port, &oa, NULL, NULL, KmfltDisconnect, NULL, 1) == STATUS_INVALID_PARAMETER);
    CHECK(FltCreateCommunicationPort(g_Kmflt.Filter, &port, &oa, NULL, KmfltConnect, KmfltDisconnect, NULL, 0) == STATUS_INVALID_PARAMETER);
    CHECK(FltCreateCommunicationPort(g_Kmflt.Filter, &port, &oa, NULL, KmfltConnect, KmfltDisconnect, NULL, 4) == STATUS_SUCCESS && port != NULL);
    if (port) FltCloseCommunicationPort(port);
    /* Closed: the name is free again. */
    port = NULL;
    CHECK(FltCreateCommunicationPort(g_Kmflt.Filter, &port, &oa, NULL, KmfltConnect, KmfltDisconnect, NULL, 4) == STATUS_SUCCESS);
    if (port) {
        FltCloseCommunicationPort(port);
        /* Closed twice (a C++ port wrapper whose destructor closes it again): ZwClose of a closed
           kernel handle on Windows, STATUS_INVALID_HANDLE dropped; nothing else changes. */
        FltCloseCommunicationPort(port);
    }
    port = NULL;
    CHECK(FltCreateCommunicationPort(g_Kmflt.Filter, &port, &oa, NULL, KmfltConnect, KmfltDisconnect, NULL, 4) == STATUS_SUCCESS && port != NULL);
    if (port) FltCloseCommunicationPort(port);
    if (sd) FltFreeSecurityDescriptor(sd);

    /* No client is connected: messages fail, closing a NULL client port is harmless. */
    CHECK(FltSendMessage(g_Kmflt.Filter, &client, msg, sizeof(msg), NULL, NULL, NULL) == STATUS_PORT_DISCONNECTED);
    CHECK(FltSendMessage(g_Kmflt.Filter, &client, msg, sizeof(msg), &reply, &reply, NULL) == STATUS_PORT_DISCONNECTED);
    FltCloseClientPort(g_Kmflt.Filter, &client);
    CHECK(client == NULL);
    return failures;
}

int NTAPI TestPushLocks(void)
{
    int failures = 0;
    EX_PUSH_LOCK lock;
    FltInitializePushLock(&lock);
    CHECK(lock == 0);
    FltAcquirePushLockShared(&lock);
    FltAcquirePushLockShared(&lock);
    CHECK(lock != 0);
    FltReleasePushLock(&lock);
    FltReleasePushLock(&lock);
    CHECK(lock == 0);
    FltAcquirePushLockExclusive(&lock);
    CHECK(lock != 0);
    FltReleasePushLock(&lock);
    CHECK(lock == 0);
    FltDeletePushLock(&lock);
    return failures;
}

static BOOLEAN Is(PCUNICODE_STRING s, PCWSTR text)
{
    UNICODE_STRING t;
    RtlInitUnicodeString(&t, text);
    return RtlEqualUnicodeString(s, &t, FALSE);
}

int NTAPI TestParseFileName(void)
{
    int failures = 0;
    UNICODE_STRING name, ext, stream, final;

    /* Microsoft Learn's FltParseFileName example. */
    RtlInitUnicodeString(&name, L"\\Device\\HarddiskVolume1\\Documents and Settings\\MyUser\\My Documents\\Test Results.txt:stream1");
    CHECK(FltParseFileName(&name, &ext, &stream, &final) == STATUS_SUCCESS);
    CHECK(Is(&ext, L"txt") && Is(&stream, L":stream1") && Is(&final, L"Test Results.txt:stream1"));
    /* The results point into the caller's buffer. */
    CHECK(final.Buffer >= name.Buffer && final.Buffer < name.Buffer + name.Length / sizeof(WCHAR));
    /* No extension, no stream; a dot in a directory name is not an extension. */
    RtlInitUnicodeString(&name, L"\\Device\\HarddiskVolume1\\dir.d\\README");
    CHECK(FltParseFileName(&name, &ext, &stream, &final) == STATUS_SUCCESS);
    CHECK(ext.Length == 0 && stream.Length == 0 && Is(&final, L"README"));
    /* Every output is optional. */
    RtlInitUnicodeString(&name, L"\\a\\b.tar.gz");
    CHECK(FltParseFileName(&name, &ext, NULL, NULL) == STATUS_SUCCESS && Is(&ext, L"gz"));
    return failures;
}

/* FltGetFileNameInformationUnsafe on a file object of the volume: \SystemRoot is \Device\HarddiskVolume1\Windows. */
int NTAPI TestFileNameInformation(void)
{
    int failures = 0;
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    HANDLE h = NULL;
    PFILE_OBJECT fo = NULL;
    PFLT_FILE_NAME_INFORMATION info = NULL, other = NULL;

    RtlInitUnicodeString(&u, L"\\SystemRoot");
    InitializeObjectAttributes(&oa, &u, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwCreateFile(&h, FILE_LIST_DIRECTORY | SYNCHRONIZE, &oa, &io, NULL, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN,
                       FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0) == STATUS_SUCCESS);
    if (!h) return failures + 1;
    CHECK(ObReferenceObjectByHandle(h, 0, *IoFileObjectType, KernelMode, (PVOID *)&fo, NULL) == STATUS_SUCCESS);
    if (fo) {
        CHECK(FltGetFileNameInformationUnsafe(fo, NULL, FLT_FILE_NAME_NORMALIZED | FLT_FILE_NAME_QUERY_DEFAULT, &info) == STATUS_SUCCESS);
        CHECK(info != NULL);
        if (info) {
            CHECK(info->Size == sizeof(FLT_FILE_NAME_INFORMATION) && info->NamesParsed == 0 && info->Format == FLT_FILE_NAME_NORMALIZED);
            CHECK(Is(&info->Name, L"\\Device\\HarddiskVolume1\\Windows"));
            CHECK(Is(&info->Volume, L"\\Device\\HarddiskVolume1") && info->Volume.Buffer == info->Name.Buffer);
            CHECK(info->FinalComponent.Length == 0 && info->ParentDir.Length == 0 && info->Extension.Length == 0);
            CHECK(FltParseFileNameInformation(info) == STATUS_SUCCESS);
            CHECK(info->NamesParsed == (FLTFL_FILE_NAME_PARSED_FINAL_COMPONENT | FLTFL_FILE_NAME_PARSED_EXTENSION | FLTFL_FILE_NAME_PARSED_STREAM | FLTFL_FILE_NAME_PARSED_PARENT_DIR));
            CHECK(Is(&info->FinalComponent, L"Windows") && Is(&info->ParentDir, L"\\") && info->Extension.Length == 0 && info->Stream.Length == 0 && info->Share.Length == 0);
            CHECK(Is(&info->Volume, L"\\Device\\HarddiskVolume1"));
            /* A reference keeps it past one release. */
            FltReferenceFileNameInformation(info);
            FltReleaseFileNameInformation(info);
            CHECK(Is(&info->Name, L"\\Device\\HarddiskVolume1\\Windows"));
            FltReleaseFileNameInformation(info);
        }
        CHECK(FltGetFileNameInformationUnsafe(fo, NULL, FLT_FILE_NAME_OPENED, &other) == STATUS_SUCCESS && other != NULL);
        if (other) {
            CHECK(other->Format == FLT_FILE_NAME_OPENED && Is(&other->Name, L"\\Device\\HarddiskVolume1\\Windows"));
            FltReleaseFileNameInformation(other);
        }
        other = NULL;
        CHECK(FltGetFileNameInformationUnsafe(fo, NULL, 0, &other) == STATUS_INVALID_PARAMETER);
        CHECK(FltGetFileNameInformationUnsafe(fo, NULL, 4, &other) == STATUS_INVALID_PARAMETER);
        CHECK(FltGetFileNameInformationUnsafe(fo, NULL, FLT_FILE_NAME_NORMALIZED, NULL) == STATUS_INVALID_PARAMETER);
        CHECK(other == NULL);
        ObDereferenceObject(fo);
    }
    CHECK(FltGetFileNameInformationUnsafe(NULL, NULL, FLT_FILE_NAME_NORMALIZED, &other) == STATUS_INVALID_PARAMETER);
    ZwClose(h);
    return failures;
}

/* FltParseFileNameInformation on Learn's example name (a structure of the caller's own). */
int NTAPI TestParseFileNameInformation(void)
{
    int failures = 0;
    FLT_FILE_NAME_INFORMATION info;
    RtlZeroMemory(&info, sizeof(info));
    info.Size = sizeof(info);
    RtlInitUnicodeString(&info.Name, L"\\Device\\HarddiskVolume1\\Documents and Settings\\MyUser\\My Documents\\Test Results.txt:stream1");
    RtlInitUnicodeString(&info.Volume, L"\\Device\\HarddiskVolume1");
    CHECK(FltParseFileNameInformation(&info) == STATUS_SUCCESS);
    CHECK(Is(&info.ParentDir, L"\\Documents and Settings\\MyUser\\My Documents\\"));
    CHECK(Is(&info.FinalComponent, L"Test Results.txt:stream1") && Is(&info.Extension, L"txt") && Is(&info.Stream, L":stream1"));
    CHECK(info.ParentDir.Buffer == info.Name.Buffer + info.Volume.Length / sizeof(WCHAR));
    return failures;
}

/* FltReleaseFileNameInformation of a structure the filter manager never returned. */
int NTAPI ReleaseForeignName(void)
{
    static FLT_FILE_NAME_INFORMATION notMine;
    FltReleaseFileNameInformation(&notMine);
    return 0;
}

int NTAPI TestWfp(void)
{
    int failures = 0;
    HANDLE engine = NULL, other = NULL, redirect = NULL;
    FWPM_SESSION0 session;
    FWPS_CALLOUT1 callout;
    FWPM_CALLOUT0 mcallout;
    FWPM_SUBLAYER0 sublayer;
    FWPM_FILTER0 filter;
    UINT32 calloutId = 0, mcalloutId = 0;
    UINT64 filterId = 0;

    RtlZeroMemory(&session, sizeof(session));
    session.flags = FWPM_SESSION_FLAG_DYNAMIC;
    CHECK(FwpmEngineOpen0(NULL, 12345, NULL, &session, &other) == STATUS_INVALID_PARAMETER);
    CHECK(FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, &engine) == STATUS_SUCCESS && engine != NULL);

    /* The callout registered with the filter engine (needs a device object and a classifyFn). */
    RtlZeroMemory(&callout, sizeof(callout));
    callout.calloutKey = KMFLT_CALLOUT_KEY;
    callout.notifyFn = (PVOID)KmfltNotify;
    CHECK(FwpsCalloutRegister1(g_Kmflt.Device, &callout, &calloutId) == STATUS_INVALID_PARAMETER);
    callout.classifyFn = (PVOID)KmfltClassify;
    CHECK(FwpsCalloutRegister1(g_Kmflt.Device, &callout, &calloutId) == STATUS_SUCCESS && calloutId != 0);
    CHECK(FwpsCalloutRegister1(g_Kmflt.Device, &callout, NULL) == STATUS_FWP_ALREADY_EXISTS);

    /* Sublayer, callout and filter added in one transaction. */
    CHECK(FwpmTransactionBegin0(engine, 0) == STATUS_SUCCESS);
    CHECK(FwpmTransactionBegin0(engine, 0) == STATUS_FWP_TXN_IN_PROGRESS);
    RtlZeroMemory(&sublayer, sizeof(sublayer));
    sublayer.subLayerKey = SUBLAYER_KEY;
    sublayer.displayData.name = L"kmflt sublayer";
    sublayer.weight = 0x100;
    CHECK(FwpmSubLayerAdd0(engine, &sublayer, NULL) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerAdd0(engine, &sublayer, NULL) == STATUS_FWP_ALREADY_EXISTS);
    RtlZeroMemory(&mcallout, sizeof(mcallout));
    mcallout.calloutKey = KMFLT_CALLOUT_KEY;
    mcallout.displayData.name = L"kmflt callout";
    mcallout.applicableLayer = LAYER_CONNECT_V4;
    CHECK(FwpmCalloutAdd0(engine, &mcallout, NULL, &mcalloutId) == STATUS_SUCCESS && mcalloutId != 0);
    RtlZeroMemory(&filter, sizeof(filter));
    filter.filterKey = FILTER_KEY;
    filter.displayData.name = L"kmflt filter";
    filter.layerKey = LAYER_CONNECT_V4;
    filter.subLayerKey = UNKNOWN_KEY;
    filter.weight.type = FWP_EMPTY;
    filter.action.type = FWP_ACTION_CALLOUT_TERMINATING;
    filter.action.calloutKey = KMFLT_CALLOUT_KEY;
    CHECK(FwpmFilterAdd0(engine, &filter, NULL, &filterId) == STATUS_FWP_SUBLAYER_NOT_FOUND);
    filter.subLayerKey = SUBLAYER_KEY;
    filter.action.calloutKey = UNKNOWN_KEY;
    CHECK(FwpmFilterAdd0(engine, &filter, NULL, &filterId) == STATUS_FWP_CALLOUT_NOT_FOUND);
    filter.action.calloutKey = KMFLT_CALLOUT_KEY;
    CHECK(FwpmFilterAdd0(engine, &filter, NULL, &filterId) == STATUS_SUCCESS && filterId != 0);
    CHECK(FwpmTransactionCommit0(engine) == STATUS_SUCCESS);
    CHECK(FwpmTransactionCommit0(engine) == STATUS_FWP_NO_TXN_IN_PROGRESS);

    /* An aborted transaction leaves nothing behind: the same key can be added again. */
    CHECK(FwpmTransactionBegin0(engine, 0) == STATUS_SUCCESS);
    sublayer.subLayerKey = UNKNOWN_KEY;
    CHECK(FwpmSubLayerAdd0(engine, &sublayer, NULL) == STATUS_SUCCESS);
    CHECK(FwpmTransactionAbort0(engine) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerAdd0(engine, &sublayer, NULL) == STATUS_SUCCESS);

    /* What a filter names cannot be deleted before the filter; unknown keys are not found. */
    CHECK(FwpmCalloutDeleteByKey0(engine, &KMFLT_CALLOUT_KEY) == STATUS_FWP_IN_USE);
    sublayer.subLayerKey = SUBLAYER_KEY;
    CHECK(FwpmSubLayerDeleteByKey0(engine, &SUBLAYER_KEY) == STATUS_FWP_IN_USE);
    CHECK(FwpmFilterDeleteByKey0(engine, &UNKNOWN_KEY) == STATUS_FWP_FILTER_NOT_FOUND);
    CHECK(FwpmFilterDeleteByKey0(engine, &FILTER_KEY) == STATUS_SUCCESS);
    /* By id: the UINT64 FwpmFilterAdd0 returned (two stack slots on x86), the callout's UINT32. */
    CHECK(FwpmFilterAdd0(engine, &filter, NULL, &filterId) == STATUS_SUCCESS);
    CHECK(FwpmCalloutDeleteById0(engine, mcalloutId) == STATUS_FWP_IN_USE);
    CHECK(FwpmFilterDeleteById0(engine, filterId + 1000) == STATUS_FWP_FILTER_NOT_FOUND);
    CHECK(FwpmFilterDeleteById0(engine, filterId) == STATUS_SUCCESS);
    CHECK(FwpmFilterDeleteById0(engine, filterId) == STATUS_FWP_FILTER_NOT_FOUND);
    CHECK(FwpmCalloutDeleteById0(engine, mcalloutId + 1000) == STATUS_FWP_CALLOUT_NOT_FOUND);
    CHECK(FwpmCalloutDeleteById0(engine, mcalloutId) == STATUS_SUCCESS);
    CHECK(FwpmCalloutDeleteByKey0(engine, &KMFLT_CALLOUT_KEY) == STATUS_FWP_CALLOUT_NOT_FOUND);
    CHECK(FwpmSubLayerDeleteByKey0(engine, &SUBLAYER_KEY) == STATUS_SUCCESS);

    /* Redirect handles: the flags are reserved. */
    CHECK(FwpsRedirectHandleCreate0(&KMFLT_CALLOUT_KEY, 1, &redirect) == STATUS_INVALID_PARAMETER);
    CHECK(FwpsRedirectHandleCreate0(&KMFLT_CALLOUT_KEY, 0, &redirect) == STATUS_SUCCESS && redirect != NULL);
    if (redirect) FwpsRedirectHandleDestroy0(redirect);

    /* A dynamic session's objects go with it; the callout is unregistered by id, then by key. */
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);
    CHECK(FwpmEngineClose0(engine) == STATUS_INVALID_HANDLE);
    CHECK(FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, &engine) == STATUS_SUCCESS);
    sublayer.subLayerKey = SUBLAYER_KEY;
    CHECK(FwpmSubLayerAdd0(engine, &sublayer, NULL) == STATUS_SUCCESS);
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);
    CHECK(FwpsCalloutUnregisterById0(calloutId) == STATUS_SUCCESS);
    CHECK(FwpsCalloutUnregisterById0(calloutId) == STATUS_FWP_CALLOUT_NOT_FOUND);
    CHECK(FwpsCalloutRegister1(g_Kmflt.Device, &callout, &calloutId) == STATUS_SUCCESS);
    CHECK(FwpsCalloutUnregisterByKey0(&KMFLT_CALLOUT_KEY) == STATUS_SUCCESS);
    CHECK(FwpsCalloutUnregisterByKey0(&KMFLT_CALLOUT_KEY) == STATUS_FWP_CALLOUT_NOT_FOUND);
    return failures;
}

/* A wild FLT_REGISTRATION pointer: the Filter Manager reads it (a fault report). */
int NTAPI WildRegistration(void)
{
    PFLT_FILTER filter;
    return (int)FltRegisterFilter(g_Kmflt.Driver, (const FLT_REGISTRATION *)(ULONG_PTR)0xFFFFA000DEAD0000ULL, &filter);
}

/* FltUnregisterFilter while the server port is still open waits forever. */
int NTAPI UnregisterWithPortOpen(void)
{
    FltUnregisterFilter(g_Kmflt.Filter);
    return 0;
}
