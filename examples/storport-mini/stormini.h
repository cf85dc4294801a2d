/*
 * stormini.sys — shared declarations: the part of storport.h a miniport's DriverEntry needs,
 * written from Microsoft Learn's storport.h reference (HW_INITIALIZATION_DATA (storport.h),
 * StorPortInitialize, StorPortNotification, StorPortExtendedFunction...). storport.h declares its
 * routines STORPORT_API with no calling convention: stdcall under the WDK's x86 /Gz, except the
 * varargs ones (cdecl).
 */
#pragma once
#include <ntddk.h>

#define STORPORT_API __declspec(dllimport)

typedef BOOLEAN (*PHW_INITIALIZE)(PVOID DeviceExtension);
typedef BOOLEAN (*PHW_STARTIO)(PVOID DeviceExtension, PVOID Srb);
typedef BOOLEAN (*PHW_INTERRUPT)(PVOID DeviceExtension);
typedef ULONG (*PHW_FIND_ADAPTER)(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation, PCHAR ArgumentString, PVOID ConfigInfo, PBOOLEAN Reserved3);
typedef BOOLEAN (*PHW_RESET_BUS)(PVOID DeviceExtension, ULONG PathId);
typedef ULONG (*PHW_ADAPTER_CONTROL)(PVOID DeviceExtension, ULONG ControlType, PVOID Parameters);
typedef BOOLEAN (*PHW_BUILDIO)(PVOID DeviceExtension, PVOID Srb);

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
    UCHAR MapBuffers;
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
    PHW_BUILDIO HwBuildIo;
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

/* storport.h: the Windows 7 structure (and Windows Server 2003's) ends before HwFreeAdapterResources. */
#define HW_INITIALIZATION_DATA_SIZE_WIN7 FIELD_OFFSET(HW_INITIALIZATION_DATA, HwFreeAdapterResources)

/* SCSI_NOTIFICATION_TYPE, STORAGE_TRACE_NOTIFY_TYPE, STORPORT_FUNCTION_CODE values (storport.h). */
#define TraceNotification 14
#define InitTracing 1000
#define CleanupTracing 1001
#define ExtFunctionAllocatePool 1
#define ExtFunctionFreePool 2
#define STOR_STATUS_SUCCESS 0x00000000UL
#define STOR_STATUS_NOT_IMPLEMENTED 0xC1000002UL
#define SRB_TYPE_FLAG_STORAGE_REQUEST_BLOCK 0x2
#define STORAGE_ADDRESS_TYPE_BTL8 0

typedef struct _STOR_INIT_TRACING_ARGS {
    PVOID InitInfo;
    ULONG Result;
} STOR_INIT_TRACING_ARGS;
typedef struct _STOR_CLEANUP_TRACING_ARGS {
    PVOID TraceContext;
} STOR_CLEANUP_TRACING_ARGS;

#ifndef STATUS_REVISION_MISMATCH
#define STATUS_REVISION_MISMATCH ((NTSTATUS)0xC0000059L)
#endif

STORPORT_API ULONG StorPortInitialize(PVOID Argument1, PVOID Argument2, PHW_INITIALIZATION_DATA HwInitializationData, PVOID HwContext);
STORPORT_API VOID __cdecl StorPortDebugPrint(ULONG DebugPrintLevel, PCCHAR DebugMessage, ...);
STORPORT_API VOID __cdecl StorPortNotification(ULONG NotificationType, PVOID HwDeviceExtension, ...);
/* storport.sys also exports the Windows Server 2003 name (signed miniports import it from storport.sys). */
STORPORT_API VOID __cdecl ScsiPortNotification(ULONG NotificationType, PVOID HwDeviceExtension, ...);
STORPORT_API BOOLEAN StorPortRegistryRead(PVOID HwDeviceExtension, PUCHAR ValueName, ULONG Global, ULONG Type, PUCHAR Buffer, PULONG BufferLength);
STORPORT_API ULONG __cdecl StorPortExtendedFunction(ULONG FunctionCode, PVOID HwDeviceExtension, ...);
STORPORT_API VOID StorPortMoveMemory(PVOID WriteBuffer, PVOID ReadBuffer, ULONG Length);
STORPORT_API VOID StorPortStallExecution(ULONG Delay);
STORPORT_API VOID StorPortQuerySystemTime(PLARGE_INTEGER CurrentTime);
STORPORT_API UCHAR StorPortReadPortUchar(PVOID HwDeviceExtension, PUCHAR Port);
STORPORT_API USHORT StorPortReadPortUshort(PVOID HwDeviceExtension, PUSHORT Port);
STORPORT_API ULONG StorPortReadPortUlong(PVOID HwDeviceExtension, PULONG Port);
STORPORT_API VOID StorPortWritePortUchar(PVOID HwDeviceExtension, PUCHAR Port, UCHAR Value);
STORPORT_API VOID StorPortWritePortUshort(PVOID HwDeviceExtension, PUSHORT Port, USHORT Value);
STORPORT_API VOID StorPortWritePortUlong(PVOID HwDeviceExtension, PULONG Port, ULONG Value);
STORPORT_API UCHAR StorPortReadRegisterUchar(PVOID HwDeviceExtension, PUCHAR Register);
STORPORT_API USHORT StorPortReadRegisterUshort(PVOID HwDeviceExtension, PUSHORT Register);
STORPORT_API ULONG StorPortReadRegisterUlong(PVOID HwDeviceExtension, PULONG Register);
STORPORT_API VOID StorPortWriteRegisterUchar(PVOID HwDeviceExtension, PUCHAR Register, UCHAR Value);
STORPORT_API VOID StorPortWriteRegisterUshort(PVOID HwDeviceExtension, PUSHORT Register, USHORT Value);
STORPORT_API VOID StorPortWriteRegisterUlong(PVOID HwDeviceExtension, PULONG Register, ULONG Value);

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            DbgPrint("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                         \
        }                                                                       \
    } while (0)

/* main.c: the miniport's routines; init.c / helpers.c: the checks (each returns its failures). */
void MiniFillInitData(PHW_INITIALIZATION_DATA Data);
ULONG CheckInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
ULONG CheckHelpers(void);
