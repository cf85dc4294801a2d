/*
 * classks.sys — the part of classpnp.h and ks.h a class driver's / AVStream minidriver's
 * DriverEntry needs, written from Microsoft Learn's classpnp.h and ks.h references
 * (CLASS_INIT_DATA, CLASS_DEV_INFO, CLASS_WMI_INFO, ClassInitialize, ClassDebugPrint;
 * KSDEVICE_DESCRIPTOR, KsInitializeDriver). The routine pointers are declared PVOID: only their
 * presence matters to ClassInitialize. classpnp's ClassInitialize is stdcall under the WDK's x86
 * /Gz; ClassDebugPrint is varargs (cdecl); ks.h's KSDDKAPI routines are NTAPI.
 */
#pragma once
#include <ntddk.h>

typedef struct _CLASS_WMI_INFO {
    ULONG GuidCount;
    PVOID GuidRegInfo;
    PVOID ClassQueryWmiRegInfo;
    PVOID ClassQueryWmiDataBlock;
    PVOID ClassSetWmiDataBlock;
    PVOID ClassSetWmiDataItem;
    PVOID ClassExecuteWmiMethod;
    PVOID ClassWmiFunctionControl;
} CLASS_WMI_INFO;

typedef struct _CLASS_DEV_INFO {
    ULONG DeviceExtensionSize;
    DEVICE_TYPE DeviceType;
    UCHAR StackSize;
    ULONG DeviceCharacteristics;
    PVOID ClassError;
    PVOID ClassReadWriteVerification;
    PVOID ClassDeviceControl;
    PVOID ClassShutdownFlush;
    PVOID ClassCreateClose;
    PVOID ClassInitDevice;
    PVOID ClassStartDevice;
    PVOID ClassPowerDevice;
    PVOID ClassStopDevice;
    PVOID ClassRemoveDevice;
    PVOID ClassQueryPnpCapabilities;
    CLASS_WMI_INFO ClassWmiInfo;
} CLASS_DEV_INFO;

typedef VOID (*PCLASS_UNLOAD)(PDRIVER_OBJECT DriverObject);

typedef struct _CLASS_INIT_DATA {
    ULONG InitializationDataSize;
    CLASS_DEV_INFO FdoData;
    CLASS_DEV_INFO PdoData;
    PVOID ClassAddDevice;
    PVOID ClassEnumerateDevice;
    PVOID ClassQueryPnpId;
    PVOID ClassStartIo;
    PCLASS_UNLOAD ClassUnload;
    PVOID ClassTick;
} CLASS_INIT_DATA, *PCLASS_INIT_DATA;

__declspec(dllimport) ULONG ClassInitialize(PVOID Argument1, PVOID Argument2, PCLASS_INIT_DATA InitializationData);
__declspec(dllimport) VOID __cdecl ClassDebugPrint(ULONG DebugPrintLevel, PCCHAR DebugMessage, ...);

/* ks.h: KSDEVICE_DESCRIPTOR (Version 0 before KSDEVICE_DESCRIPTOR_VERSION). */
#define KSDEVICE_DESCRIPTOR_VERSION 0x100
typedef struct _KSDEVICE_DESCRIPTOR {
    const void *Dispatch;
    ULONG FilterDescriptorsCount;
    const void *const *FilterDescriptors;
    ULONG Version;
    ULONG Flags;
    PVOID Alignment;
} KSDEVICE_DESCRIPTOR;

__declspec(dllimport) VOID NTAPI KsNullDriverUnload(PDRIVER_OBJECT DriverObject);
/* bdasup.h: STDMETHODIMP_(NTSTATUS) BdaCheckChanges(PIRP Irp) (Learn). */
__declspec(dllimport) NTSTATUS NTAPI BdaCheckChanges(PIRP Irp);
/* ks.h: KSDDKAPI NTSTATUS NTAPI KsLoadResource(ImageBase, PoolType, ResourceName, ResourceType, Resource, ResourceSize OPTIONAL) (Learn). */
__declspec(dllimport) NTSTATUS NTAPI KsLoadResource(PVOID ImageBase, POOL_TYPE PoolType, ULONG_PTR ResourceName, ULONG ResourceType, PVOID *Resource, PULONG ResourceSize);
__declspec(dllimport) NTSTATUS NTAPI KsInitializeDriver(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPathName, const KSDEVICE_DESCRIPTOR *Descriptor);

/* ide.h: PciIdeXInitialize (HwGetControllerProperties: the minidriver's HwIdeXGetControllerProperties). */
typedef NTSTATUS (*PCONTROLLER_PROPERTIES)(PVOID DeviceExtension, PVOID ControllerProperties);
__declspec(dllimport) NTSTATUS PciIdeXInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath, PCONTROLLER_PROPERTIES HwGetControllerProperties, ULONG ExtensionSize);
