/*
 * netproto.sys — checks of the NDIS 5.x routines older capture drivers still import: the legacy
 * protocol registration and packet pools. Each Test* export returns the number of failed checks.
 */
#include "netproto.h"

#define NDIS40_SIZE FIELD_OFFSET(NDIS50_PROTOCOL_CHARACTERISTICS, ReservedHandlers)

LONG NTAPI TestLegacyProtocol(void)
{
    LONG failures = 0;
    NDIS50_PROTOCOL_CHARACTERISTICS chars;
    NDIS_HANDLE handle = NULL;
    NDIS_STATUS status = 1;

    ProtoFillLegacyCharacteristics(&chars, L"NETPROTO5");
    NdisRegisterProtocol(&status, &handle, &chars, sizeof(chars));
    CHECK(status == NDIS_STATUS_SUCCESS);
    CHECK(handle != NULL);
    if (status == NDIS_STATUS_SUCCESS) {
        status = 1;
        NdisDeregisterProtocol(&status, handle);
        CHECK(status == NDIS_STATUS_SUCCESS);
    }

    /* NDIS 4.0 characteristics end before the NDIS 5.0 fields. */
    ProtoFillLegacyCharacteristics(&chars, L"NETPROTO4");
    chars.MajorNdisVersion = 4;
    handle = NULL;
    NdisRegisterProtocol(&status, &handle, &chars, NDIS40_SIZE);
    CHECK(status == NDIS_STATUS_SUCCESS);
    if (status == NDIS_STATUS_SUCCESS) NdisDeregisterProtocol(&status, handle);

    ProtoFillLegacyCharacteristics(&chars, L"NETPROTO5");
    NdisRegisterProtocol(&status, &handle, &chars, NDIS40_SIZE);
    CHECK(status == NDIS_STATUS_BAD_CHARACTERISTICS);
    chars.MajorNdisVersion = 2;
    NdisRegisterProtocol(&status, &handle, &chars, sizeof(chars));
    CHECK(status == NDIS_STATUS_BAD_VERSION);
    ProtoFillLegacyCharacteristics(&chars, L"");
    NdisRegisterProtocol(&status, &handle, &chars, sizeof(chars));
    CHECK(status == NDIS_STATUS_BAD_CHARACTERISTICS);
    return failures;
}

LONG NTAPI TestPacketPool(void)
{
    LONG failures = 0;
    NDIS_STATUS status;
    NDIS_HANDLE pool = NULL;
    PNDIS_PACKET p1 = NULL, p2 = NULL, p3 = (PNDIS_PACKET)1;
    ULONG i;

    NdisAllocatePacketPool(&status, &pool, 2, 16);
    CHECK(status == NDIS_STATUS_SUCCESS && pool != NULL);
    if (status != NDIS_STATUS_SUCCESS) return failures;
    NdisAllocatePacket(&status, &p1, pool);
    CHECK(status == NDIS_STATUS_SUCCESS && p1 != NULL);
    NdisAllocatePacket(&status, &p2, pool);
    CHECK(status == NDIS_STATUS_SUCCESS && p2 != NULL && p2 != p1);
    /* The pool holds two descriptors. */
    NdisAllocatePacket(&status, &p3, pool);
    CHECK(status == NDIS_STATUS_RESOURCES);
    CHECK(p3 == NULL);
    if (p1) {
        CHECK(p1->Private.Pool == pool);
        CHECK(p1->Private.Head == NULL && p1->Private.Tail == NULL);
        /* The out-of-band data follow ProtocolReserved, which is zeroed and the driver's own. */
        CHECK(p1->Private.NdisPacketOobOffset >= FIELD_OFFSET(NDIS_PACKET, ProtocolReserved) + 16);
        for (i = 0; i < 16; i++) CHECK(p1->ProtocolReserved[i] == 0);
        RtlFillMemory(p1->ProtocolReserved, 16, 0xA5);
        NdisFreePacket(p1);
        /* A freed descriptor can be allocated again. */
        p1 = NULL;
        NdisAllocatePacket(&status, &p1, pool);
        CHECK(status == NDIS_STATUS_SUCCESS && p1 != NULL);
        if (p1) NdisFreePacket(p1);
    }
    if (p2) NdisFreePacket(p2);
    NdisFreePacketPool(pool);

    /* Ex: the overflow descriptors add to the pool. */
    NdisAllocatePacketPoolEx(&status, &pool, 1, 1, 0);
    CHECK(status == NDIS_STATUS_SUCCESS);
    if (status == NDIS_STATUS_SUCCESS) {
        NdisAllocatePacket(&status, &p1, pool);
        CHECK(status == NDIS_STATUS_SUCCESS);
        NdisAllocatePacket(&status, &p2, pool);
        CHECK(status == NDIS_STATUS_SUCCESS);
        NdisAllocatePacket(&status, &p3, pool);
        CHECK(status == NDIS_STATUS_RESOURCES);
        if (p1) NdisFreePacket(p1);
        if (p2) NdisFreePacket(p2);
        NdisFreePacketPool(pool);
    }
    return failures;
}

/* Freeing a pool whose packets are still out: BUGCODE_NDIS_DRIVER. */
LONG NTAPI FreePoolWithPacketsOut(void)
{
    NDIS_STATUS status;
    NDIS_HANDLE pool = NULL;
    PNDIS_PACKET packet = NULL;
    NdisAllocatePacketPool(&status, &pool, 4, 0);
    if (status != NDIS_STATUS_SUCCESS) return 1;
    NdisAllocatePacket(&status, &packet, pool);
    NdisFreePacketPool(pool);
    return 0;
}
