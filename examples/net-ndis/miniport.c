/*
 * The miniport's handlers (never called: the emulated machine has no network adapter, so NDIS
 * never initializes one) and its registration with NDIS.
 */
#include "netndis.h"

VOID NTAPI NetMiniportUnload(PDRIVER_OBJECT DriverObject);

static NDIS_STATUS NTAPI NetInitialize(NDIS_HANDLE Adapter, NDIS_HANDLE Context, PVOID Parameters)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Parameters);
    return NDIS_STATUS_SUCCESS;
}

/* One body for the handlers that only have to exist (halt, pause, restart, OID, send ...). */
static NDIS_STATUS NTAPI NetNothing(NDIS_HANDLE Context, PVOID A, PVOID B, PVOID C)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(A);
    UNREFERENCED_PARAMETER(B);
    UNREFERENCED_PARAMETER(C);
    return NDIS_STATUS_SUCCESS;
}

void NetFillCharacteristics(NDIS_MINIPORT_DRIVER_CHARACTERISTICS *Chars)
{
    RtlZeroMemory(Chars, sizeof(*Chars));
    Chars->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    Chars->Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars->Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars->MajorNdisVersion = 6;
    Chars->MinorNdisVersion = 30;
    Chars->MajorDriverVersion = 1;
    Chars->InitializeHandlerEx = (PVOID)NetInitialize;
    Chars->HaltHandlerEx = (PVOID)NetNothing;
    Chars->UnloadHandler = (PVOID)NetMiniportUnload;
    Chars->PauseHandler = (PVOID)NetNothing;
    Chars->RestartHandler = (PVOID)NetNothing;
    Chars->OidRequestHandler = (PVOID)NetNothing;
    Chars->SendNetBufferListsHandler = (PVOID)NetNothing;
    Chars->ReturnNetBufferListsHandler = (PVOID)NetNothing;
    Chars->CancelSendHandler = (PVOID)NetNothing;
    Chars->DevicePnPEventNotifyHandler = (PVOID)NetNothing;
    Chars->ShutdownHandlerEx = (PVOID)NetNothing;
    Chars->CancelOidRequestHandler = (PVOID)NetNothing;
}

NDIS_STATUS NetRegisterMiniport(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS chars;
    NetFillCharacteristics(&chars);
    return NdisMRegisterMiniportDriver(DriverObject, RegistryPath, &g_Net, &chars, &g_Net.MiniportDriver);
}
