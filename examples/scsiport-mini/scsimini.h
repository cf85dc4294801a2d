/*
 * scsimini.sys — shared declarations: the part of srb.h a SCSI miniport's DriverEntry needs and
 * smclib.h's debug-level routines, written from Microsoft Learn's srb.h and smclib.h references
 * (HW_INITIALIZATION_DATA (srb.h), ScsiPortInitialize, ScsiDebugPrint, ScsiPortMoveMemory,
 * ScsiPortStallExecution, SmartcardSetDebugLevel, SmartcardGetDebugLevel). srb.h declares its
 * routines SCSIPORT_API with no calling convention: stdcall under the WDK's x86 /Gz, except the
 * varargs ScsiDebugPrint (cdecl). The port and register routines take no HwDeviceExtension (srb.h).
 */
#pragma once
#include <ntddk.h>

#define SCSIPORT_API __declspec(dllimport)

typedef BOOLEAN (*PHW_INITIALIZE)(PVOID DeviceExtension);
typedef BOOLEAN (*PHW_STARTIO)(PVOID DeviceExtension, PVOID Srb);
typedef BOOLEAN (*PHW_INTERRUPT)(PVOID DeviceExtension);
typedef ULONG (*PHW_FIND_ADAPTER)(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation, PCHAR ArgumentString, PVOID ConfigInfo, PBOOLEAN Again);
typedef BOOLEAN (*PHW_RESET_BUS)(PVOID DeviceExtension, ULONG PathId);
typedef ULONG (*PHW_ADAPTER_CONTROL)(PVOID DeviceExtension, ULONG ControlType, PVOID Parameters);

/* srb.h's HW_INITIALIZATION_DATA (the Windows 10 WDK layout, which storport.h shares). */
typedef struct _HW_INITIALIZATION_DATA {
    ULONG HwInitializationDataSize;
    INTERFACE_TYPE AdapterInterfaceType;
    PHW_INITIALIZE HwInitialize;
    PHW_STARTIO HwStartIo;
    PHW_INTERRUPT HwInterrupt;
    PHW_FIND_ADAPTER HwFindAdapter;
    PHW_RESET_BUS HwResetBus;
    PVOID HwDmaStarted;
    PVOID HwAdapterState;
    ULONG DeviceExtensionSize;
    ULONG SpecificLuExtensionSize;
    ULONG SrbExtensionSize;
    ULONG NumberOfAccessRanges;
    PVOID Reserved;
    BOOLEAN MapBuffers;
    BOOLEAN NeedPhysicalAddresses;
    BOOLEAN TaggedQueuing;
    BOOLEAN AutoRequestSense;
    BOOLEAN MultipleRequestPerLu;
    BOOLEAN ReceiveEvent;
    USHORT VendorIdLength;
    PVOID VendorId;
    union {
        USHORT ReservedUshort;
        USHORT PortVersionFlags;
    };
    USHORT DeviceIdLength;
    PVOID DeviceId;
    PHW_ADAPTER_CONTROL HwAdapterControl;
    PVOID HwBuildIo;
    PVOID HwFreeAdapterResources;
    PVOID HwProcessServiceRequest;
    PVOID HwCompleteServiceIrp;
    PVOID HwInitializeTracing;
    PVOID HwCleanupTracing;
    PVOID HwTracingEnabled;
    ULONG FeatureSupport;
    ULONG SrbTypeFlags;
    ULONG AddressTypeFlags;
    ULONG Reserved1;
    PVOID HwUnitControl;
} HW_INITIALIZATION_DATA, *PHW_INITIALIZATION_DATA;

/* The Windows XP srb.h structure ended after HwAdapterControl: an older miniport passes that size. */
#define HW_INITIALIZATION_DATA_SIZE_XP (FIELD_OFFSET(HW_INITIALIZATION_DATA, HwAdapterControl) + sizeof(PVOID))

#ifndef STATUS_REVISION_MISMATCH
#define STATUS_REVISION_MISMATCH ((NTSTATUS)0xC0000059L)
#endif

SCSIPORT_API ULONG ScsiPortInitialize(PVOID Argument1, PVOID Argument2, PHW_INITIALIZATION_DATA HwInitializationData, PVOID HwContext);
SCSIPORT_API VOID __cdecl ScsiDebugPrint(ULONG DebugPrintLevel, PCCHAR DebugMessage, ...);
SCSIPORT_API VOID ScsiPortMoveMemory(PVOID WriteBuffer, PVOID ReadBuffer, ULONG Length);
SCSIPORT_API VOID ScsiPortStallExecution(ULONG Delay);
SCSIPORT_API UCHAR ScsiPortReadPortUchar(PUCHAR Port);
SCSIPORT_API USHORT ScsiPortReadPortUshort(PUSHORT Port);
SCSIPORT_API ULONG ScsiPortReadPortUlong(PULONG Port);
SCSIPORT_API VOID ScsiPortWritePortUchar(PUCHAR Port, UCHAR Value);
SCSIPORT_API VOID ScsiPortWritePortUshort(PUSHORT Port, USHORT Value);
SCSIPORT_API VOID ScsiPortWritePortUlong(PULONG Port, ULONG Value);
SCSIPORT_API UCHAR ScsiPortReadRegisterUchar(PUCHAR Register);
SCSIPORT_API USHORT ScsiPortReadRegisterUshort(PUSHORT Register);
SCSIPORT_API ULONG ScsiPortReadRegisterUlong(PULONG Register);
SCSIPORT_API VOID ScsiPortWriteRegisterUchar(PUCHAR Register, UCHAR Value);
SCSIPORT_API VOID ScsiPortWriteRegisterUshort(PUSHORT Register, USHORT Value);
SCSIPORT_API VOID ScsiPortWriteRegisterUlong(PULONG Register, ULONG Value);

__declspec(dllimport) VOID SmartcardSetDebugLevel(ULONG Level);
__declspec(dllimport) ULONG SmartcardGetDebugLevel(VOID);

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            DbgPrint("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                         \
        }                                                                       \
    } while (0)

/* main.c: the miniport's routines; init.c / smclib.c: the checks (each returns its failures). */
void MiniFillInitData(PHW_INITIALIZATION_DATA Data);
ULONG CheckInitialize(PDRIVER_OBJECT D, PUNICODE_STRING R);
ULONG CheckHelpers(void);
ULONG CheckSmclib(void);
