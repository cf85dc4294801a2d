/*
 * netproto.sys — the NDIS 6 protocol: its characteristics and handlers. On a machine without
 * network adapters NDIS never calls BindAdapterHandlerEx; the handlers count their calls so that
 * the checks can say so.
 */
#include "netproto.h"

static NDIS_STATUS NTAPI ProtoBindAdapter(NDIS_HANDLE ProtocolDriverContext, NDIS_HANDLE BindContext, PVOID BindParameters)
{
    UNREFERENCED_PARAMETER(ProtocolDriverContext);
    UNREFERENCED_PARAMETER(BindContext);
    UNREFERENCED_PARAMETER(BindParameters);
    g_Proto.BindCalls++;
    return NDIS_STATUS_FAILURE;
}

static NDIS_STATUS NTAPI ProtoUnbindAdapter(NDIS_HANDLE UnbindContext, NDIS_HANDLE ProtocolBindingContext)
{
    UNREFERENCED_PARAMETER(UnbindContext);
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    return NDIS_STATUS_SUCCESS;
}

static VOID NTAPI ProtoNoOp(NDIS_HANDLE Context, PVOID A, ULONG B)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(A);
    UNREFERENCED_PARAMETER(B);
}

static NDIS_STATUS NTAPI ProtoPnPEvent(NDIS_HANDLE ProtocolBindingContext, PVOID NetPnPEventNotification)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(NetPnPEventNotification);
    return NDIS_STATUS_SUCCESS;
}

void ProtoFillCharacteristics(NDIS_PROTOCOL_DRIVER_CHARACTERISTICS *chars, PCWSTR name)
{
    RtlZeroMemory(chars, sizeof(*chars));
    chars->Header.Type = NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS;
    chars->Header.Revision = NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1;
    chars->Header.Size = NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1;
    chars->MajorNdisVersion = 6;
    chars->MinorNdisVersion = 0;
    RtlInitUnicodeString(&chars->Name, name);
    chars->BindAdapterHandlerEx = (PVOID)ProtoBindAdapter;
    chars->UnbindAdapterHandlerEx = (PVOID)ProtoUnbindAdapter;
    chars->OpenAdapterCompleteHandlerEx = (PVOID)ProtoNoOp;
    chars->CloseAdapterCompleteHandlerEx = (PVOID)ProtoNoOp;
    chars->NetPnPEventHandler = (PVOID)ProtoPnPEvent;
    chars->OidRequestCompleteHandler = (PVOID)ProtoNoOp;
    chars->StatusHandlerEx = (PVOID)ProtoNoOp;
    chars->ReceiveNetBufferListsHandler = (PVOID)ProtoNoOp;
    chars->SendNetBufferListsCompleteHandler = (PVOID)ProtoNoOp;
}

void ProtoFillLegacyCharacteristics(NDIS50_PROTOCOL_CHARACTERISTICS *chars, PCWSTR name)
{
    RtlZeroMemory(chars, sizeof(*chars));
    chars->MajorNdisVersion = 5;
    chars->MinorNdisVersion = 0;
    RtlInitUnicodeString(&chars->Name, name);
    chars->OpenAdapterCompleteHandler = (PVOID)ProtoNoOp;
    chars->CloseAdapterCompleteHandler = (PVOID)ProtoNoOp;
    chars->BindAdapterHandler = (PVOID)ProtoNoOp;
    chars->UnbindAdapterHandler = (PVOID)ProtoNoOp;
}

NDIS_STATUS ProtoRegister(void)
{
    NDIS_PROTOCOL_DRIVER_CHARACTERISTICS chars;
    ProtoFillCharacteristics(&chars, L"NETPROTO");
    return NdisRegisterProtocolDriver(&g_Proto, &chars, &g_Proto.Protocol);
}

void ProtoDeregister(void)
{
    if (g_Proto.Protocol) NdisDeregisterProtocolDriver(g_Proto.Protocol);
    g_Proto.Protocol = NULL;
}
