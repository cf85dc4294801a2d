/*
 * ndis5mini.sys — the NDIS 5.1 declarations it needs, written from Microsoft Learn's NDIS 5.1
 * reference (NdisMInitializeWrapper, NdisMRegisterMiniport, NDIS51_MINIPORT_CHARACTERISTICS,
 * NdisMRegisterUnloadHandler, NdisTerminateWrapper, NdisGetRoutineAddress). Handler types the driver
 * never calls through are reduced to PVOID. ndis.h declares the routines with no calling
 * convention: stdcall under the WDK's x86 /Gz.
 */
#pragma once
#include <ntddk.h>

typedef unsigned int UINT;
typedef PVOID NDIS_HANDLE, *PNDIS_HANDLE;
typedef int NDIS_STATUS;
typedef UNICODE_STRING NDIS_STRING, *PNDIS_STRING;

#define NDIS_STATUS_SUCCESS ((NDIS_STATUS)0x00000000L)
#define NDIS_STATUS_FAILURE ((NDIS_STATUS)0xC0000001L)
#define NDIS_STATUS_BAD_VERSION ((NDIS_STATUS)0xC0010004L)
#define NDIS_STATUS_BAD_CHARACTERISTICS ((NDIS_STATUS)0xC0010005L)

/* NDIS51_MINIPORT_CHARACTERISTICS: NDIS30's 13 handlers, NDIS40's 3, NDIS50's 6 (CoNDIS), NDIS51's 7. */
typedef struct _NDIS51_MINIPORT_CHARACTERISTICS {
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    USHORT Filler;
    UINT Reserved;
    PVOID CheckForHangHandler;
    PVOID DisableInterruptHandler;
    PVOID EnableInterruptHandler;
    PVOID HaltHandler;
    PVOID HandleInterruptHandler;
    PVOID InitializeHandler;
    PVOID ISRHandler;
    PVOID QueryInformationHandler;
    PVOID ReconfigureHandler;
    PVOID ResetHandler;
    PVOID SendHandler;
    PVOID SetInformationHandler;
    PVOID TransferDataHandler;
    /* NDIS 4.0 */
    PVOID ReturnPacketHandler;
    PVOID SendPacketsHandler;
    PVOID AllocateCompleteHandler;
    /* NDIS 5.0 */
    PVOID CoCreateVcHandler;
    PVOID CoDeleteVcHandler;
    PVOID CoActivateVcHandler;
    PVOID CoDeactivateVcHandler;
    PVOID CoSendPacketsHandler;
    PVOID CoRequestHandler;
    /* NDIS 5.1 */
    PVOID CancelSendPacketsHandler;
    PVOID PnPEventNotifyHandler;
    PVOID AdapterShutdownHandler;
    PVOID Reserved1;
    PVOID Reserved2;
    PVOID Reserved3;
    PVOID Reserved4;
} NDIS51_MINIPORT_CHARACTERISTICS, NDIS_MINIPORT_CHARACTERISTICS;

/* The NDIS 4.0 structure ends after AllocateCompleteHandler. */
#define NDIS40_CHARACTERISTICS_SIZE (FIELD_OFFSET(NDIS_MINIPORT_CHARACTERISTICS, AllocateCompleteHandler) + sizeof(PVOID))

typedef VOID (*PDRIVER_UNLOAD_HANDLER)(PDRIVER_OBJECT DriverObject);

__declspec(dllimport) VOID NdisInitializeWrapper(PNDIS_HANDLE NdisWrapperHandle, PVOID SystemSpecific1, PVOID SystemSpecific2, PVOID SystemSpecific3);
#define NdisMInitializeWrapper(h, s1, s2, s3) NdisInitializeWrapper((h), (s1), (s2), (s3))
__declspec(dllimport) NDIS_STATUS NdisMRegisterMiniport(NDIS_HANDLE NdisWrapperHandle, NDIS_MINIPORT_CHARACTERISTICS *MiniportCharacteristics, UINT CharacteristicsLength);
/* An NDIS 5 intermediate driver's virtual miniport (Learn, NDIS 5.1: NdisIMRegisterLayeredMiniport). */
__declspec(dllimport) NDIS_STATUS NdisIMRegisterLayeredMiniport(NDIS_HANDLE NdisWrapperHandle, NDIS_MINIPORT_CHARACTERISTICS *MiniportCharacteristics, UINT CharacteristicsLength, PNDIS_HANDLE DriverHandle);
__declspec(dllimport) VOID NdisMRegisterUnloadHandler(NDIS_HANDLE NdisWrapperHandle, PDRIVER_UNLOAD_HANDLER UnloadHandler);
__declspec(dllimport) VOID NdisTerminateWrapper(NDIS_HANDLE NdisWrapperHandle, PVOID SystemSpecific);
__declspec(dllimport) PVOID NdisGetRoutineAddress(PNDIS_STRING NdisRoutineName);
__declspec(dllimport) UINT NdisGetVersion(VOID);

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            DbgPrint("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                         \
        }                                                                       \
    } while (0)
