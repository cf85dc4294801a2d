/*
 * The minifilter's registration: create/cleanup callbacks (never called here: no volume is
 * attached in the emulator) and the unload callback that tears everything down.
 */
#include "kmflt.h"

static FLT_PREOP_CALLBACK_STATUS FLTAPI PreCreate(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID *CompletionContext)
{
    UNREFERENCED_PARAMETER(Data);
    UNREFERENCED_PARAMETER(FltObjects);
    *CompletionContext = NULL;
    return FLT_PREOP_SUCCESS_WITH_CALLBACK;
}

static FLT_POSTOP_CALLBACK_STATUS FLTAPI PostCreate(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID CompletionContext, FLT_POST_OPERATION_FLAGS Flags)
{
    UNREFERENCED_PARAMETER(Data);
    UNREFERENCED_PARAMETER(FltObjects);
    UNREFERENCED_PARAMETER(CompletionContext);
    UNREFERENCED_PARAMETER(Flags);
    return FLT_POSTOP_FINISHED_PROCESSING;
}

static FLT_PREOP_CALLBACK_STATUS FLTAPI PreCleanup(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID *CompletionContext)
{
    UNREFERENCED_PARAMETER(Data);
    UNREFERENCED_PARAMETER(FltObjects);
    UNREFERENCED_PARAMETER(CompletionContext);
    return FLT_PREOP_SUCCESS_NO_CALLBACK;
}

static NTSTATUS FLTAPI InstanceSetup(PCFLT_RELATED_OBJECTS FltObjects, ULONG Flags, ULONG VolumeDeviceType, ULONG VolumeFilesystemType)
{
    UNREFERENCED_PARAMETER(FltObjects);
    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(VolumeDeviceType);
    UNREFERENCED_PARAMETER(VolumeFilesystemType);
    return STATUS_SUCCESS;
}

static NTSTATUS FLTAPI InstanceQueryTeardown(PCFLT_RELATED_OBJECTS FltObjects, ULONG Flags)
{
    UNREFERENCED_PARAMETER(FltObjects);
    UNREFERENCED_PARAMETER(Flags);
    return STATUS_SUCCESS;
}

static const FLT_OPERATION_REGISTRATION Callbacks[] = {
    { IRP_MJ_CREATE, 0, PreCreate, PostCreate, NULL },
    { IRP_MJ_CLEANUP, 0, PreCleanup, NULL, NULL },
    { IRP_MJ_OPERATION_END, 0, NULL, NULL, NULL },
};

const FLT_REGISTRATION g_FilterRegistration = {
    sizeof(FLT_REGISTRATION),
    FLT_REGISTRATION_VERSION,
    0,
    NULL,
    Callbacks,
    KmfltUnload,
    InstanceSetup,
    InstanceQueryTeardown,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* Called by the Filter Manager when the service stops: the port first, then the filter. */
NTSTATUS FLTAPI KmfltUnload(FLT_FILTER_UNLOAD_FLAGS Flags)
{
    g_Kmflt.UnloadCalls++;
    /* A service stop is a mandatory unload: the flag says so. */
    DbgPrint("kmflt: unloading (call %lu, flags %lu)\n", g_Kmflt.UnloadCalls, (ULONG)Flags);
    if (g_Kmflt.ServerPort) {
        FltCloseCommunicationPort(g_Kmflt.ServerPort);
        g_Kmflt.ServerPort = NULL;
    }
    /* Until FltUnregisterFilter the Filter Manager's routine is the driver's unload routine... */
    if (g_Kmflt.Driver->DriverUnload == KmfltDriverUnload) DbgPrint("FAIL filter.c: DriverUnload is the driver's own before FltUnregisterFilter\n");
    FltUnregisterFilter(g_Kmflt.Filter);
    g_Kmflt.Filter = NULL;
    /* ...and after it, the one the driver had set before FltRegisterFilter is back. */
    if (g_Kmflt.Driver->DriverUnload != KmfltDriverUnload) DbgPrint("FAIL filter.c: FltUnregisterFilter did not put back the driver's DriverUnload\n");
    return STATUS_SUCCESS;
}
