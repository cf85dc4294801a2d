/*
 * netndis.sys — an NDIS 6 intermediate driver's association of its miniport and protocol halves
 * (Microsoft Learn: NdisIMAssociateMiniport, NdisRegisterProtocolDriver,
 * NDIS_PROTOCOL_DRIVER_CHARACTERISTICS; objectheader.h's type 0x95), as Marvell's yk62x64l.sys
 * does from DriverEntry: register a protocol driver, associate it with the miniport driver
 * handle, later deregister it.
 */
#include "netndis.h"

#define NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS 0x95
typedef struct _IM_PROTOCOL_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    UCHAR MajorDriverVersion;
    UCHAR MinorDriverVersion;
    ULONG Flags;
    UNICODE_STRING Name;
    PVOID Handlers[11]; /* SetOptions .. SendNetBufferListsComplete (revision 1) */
} IM_PROTOCOL_CHARACTERISTICS;

__declspec(dllimport) NDIS_STATUS NTAPI NdisRegisterProtocolDriver(NDIS_HANDLE ProtocolDriverContext, IM_PROTOCOL_CHARACTERISTICS *ProtocolCharacteristics, NDIS_HANDLE *NdisProtocolHandle);
__declspec(dllimport) VOID NTAPI NdisDeregisterProtocolDriver(NDIS_HANDLE NdisProtocolHandle);
__declspec(dllimport) VOID NTAPI NdisIMAssociateMiniport(NDIS_HANDLE DriverHandle, NDIS_HANDLE ProtocolHandle);

static VOID NTAPI ImNoOp(void) { }

static NDIS_STATUS ImRegisterProtocol(NDIS_HANDLE *handle)
{
    IM_PROTOCOL_CHARACTERISTICS c;
    ULONG i;
    RtlZeroMemory(&c, sizeof(c));
    c.Header.Type = NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS;
    c.Header.Revision = 1;
    c.Header.Size = (USHORT)sizeof(c);
    c.MajorNdisVersion = 6;
    c.MinorNdisVersion = 20;
    RtlInitUnicodeString(&c.Name, L"NETNDIS_IM");
    /* Every handler but SetOptionsHandler (0) and UninstallHandler (6), which are optional. */
    for (i = 1; i < 11; i++) if (i != 6) c.Handlers[i] = (PVOID)ImNoOp;
    return NdisRegisterProtocolDriver(NULL, &c, handle);
}

/* The protocol half associated with the miniport half; both handles stay valid. */
int NTAPI TestNdisIMAssociate(void)
{
    int failures = 0;
    NDIS_HANDLE protocol = NULL;
    CHECK(ImRegisterProtocol(&protocol) == NDIS_STATUS_SUCCESS && protocol != NULL);
    if (protocol == NULL) return failures;
    NdisIMAssociateMiniport(g_Net.MiniportDriver, protocol);
    NdisDeregisterProtocolDriver(protocol);
    return failures;
}

/* A protocol handle NdisRegisterProtocolDriver never returned (a bug check report). */
int NTAPI AssociateUnknownProtocol(void)
{
    static UCHAR notAProtocol[64];
    NdisIMAssociateMiniport(g_Net.MiniportDriver, notAProtocol);
    return 1;
}
