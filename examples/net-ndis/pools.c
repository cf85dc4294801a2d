/* The NET_BUFFER_LIST pool (with NET_BUFFERs and a context area) and a NET_BUFFER pool. */
#include "netndis.h"

NTSTATUS NetAllocatePools(void)
{
    NET_BUFFER_LIST_POOL_PARAMETERS nbl;
    NET_BUFFER_POOL_PARAMETERS nb;

    RtlZeroMemory(&nbl, sizeof(nbl));
    nbl.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    nbl.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    nbl.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    nbl.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    nbl.fAllocateNetBuffer = TRUE;
    nbl.ContextSize = 32;
    nbl.PoolTag = NETNDIS_TAG;
    nbl.DataSize = 0;
    g_Net.NblPool = NdisAllocateNetBufferListPool(NULL, &nbl);
    if (g_Net.NblPool == NULL) return STATUS_INSUFFICIENT_RESOURCES;

    RtlZeroMemory(&nb, sizeof(nb));
    nb.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    nb.Header.Revision = NET_BUFFER_POOL_PARAMETERS_REVISION_1;
    nb.Header.Size = NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1;
    nb.PoolTag = NETNDIS_TAG;
    g_Net.NbPool = NdisAllocateNetBufferPool(NULL, &nb);
    if (g_Net.NbPool == NULL) {
        NdisFreeNetBufferListPool(g_Net.NblPool);
        g_Net.NblPool = NULL;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_SUCCESS;
}

void NetFreePools(void)
{
    if (g_Net.NbPool) NdisFreeNetBufferPool(g_Net.NbPool);
    if (g_Net.NblPool) NdisFreeNetBufferListPool(g_Net.NblPool);
    g_Net.NbPool = NULL;
    g_Net.NblPool = NULL;
}
