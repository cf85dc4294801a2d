/*
 * qamodules.sys — the Windows system modules real drivers use and kmdll now emulates
 * (/work/wt/qa-modules.md). Declarations written here from public references (mingw-w64's ddk
 * headers have none of them):
 *   DRIVER_INITIALIZATION_DATA's first block and DXGKDDI_INTERFACE_VERSION_VISTA (dispmprt.h,
 *   Microsoft Learn), IOCTL_VIDEO_DDI_FUNC_REGISTER (ntddvdeo.h); EntropyRegisterSource and the
 *   rest of systemrng.h (Learn); the WerLiveKernel* routines (undocumented: the shapes callers in
 *   Windows use); ZwQuerySystemInformation / RTL_PROCESS_MODULES (SystemModuleInformation = 11)
 *   and RtlFindExportedRoutineByName as ntoskrnl exports them.
 */
#pragma once
#include "../include/apitest.h"

/* ---- dxgkrnl.sys: what a display miniport hands the port driver (dispmprt.h) ---- */
typedef NTSTATUS (NTAPI *PQA_DXGKDDI)(void);
typedef VOID (NTAPI *PQA_DXGKDDI_UNLOAD)(VOID);
typedef struct _QA_DRIVER_INITIALIZATION_DATA {
    ULONG Version;
    PQA_DXGKDDI DxgkDdiAddDevice, DxgkDdiStartDevice, DxgkDdiStopDevice, DxgkDdiRemoveDevice,
        DxgkDdiDispatchIoRequest, DxgkDdiInterruptRoutine, DxgkDdiDpcRoutine, DxgkDdiQueryChildRelations,
        DxgkDdiQueryChildStatus, DxgkDdiQueryDeviceDescriptor, DxgkDdiSetPowerState, DxgkDdiNotifyAcpiEvent,
        DxgkDdiResetDevice;
    PQA_DXGKDDI_UNLOAD DxgkDdiUnload;
    PQA_DXGKDDI DxgkDdiQueryInterface, DxgkDdiControlEtwLogging;
} QA_DRIVER_INITIALIZATION_DATA, *PQA_DRIVER_INITIALIZATION_DATA;
#define QA_DXGKDDI_INTERFACE_VERSION_VISTA 0x1052
#define QA_IOCTL_VIDEO_DDI_FUNC_REGISTER CTL_CODE(FILE_DEVICE_VIDEO, 0xF, METHOD_NEITHER, FILE_ANY_ACCESS)
#ifndef STATUS_IMAGE_ALREADY_LOADED
#define STATUS_IMAGE_ALREADY_LOADED ((NTSTATUS)0xC000010EL)
#endif
typedef NTSTATUS (NTAPI *PQA_DXGK_INITIALIZE)(PDRIVER_OBJECT, PUNICODE_STRING, PQA_DRIVER_INITIALIZATION_DATA);

/* displib.c: the WDK's displib.lib DxgkInitialize, as every WDDM miniport links it. */
NTSTATUS QaDxgkInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath, PQA_DRIVER_INITIALIZATION_DATA Data);
/* Sends one internal IOCTL to \Device\DxgKrnl with an output buffer of OutLength bytes. */
NTSTATUS QaDxgkrnlRequest(ULONG Code, PVOID Out, ULONG OutLength, PFILE_OBJECT *Keep);

/* ---- cng.sys: systemrng.h ---- */
typedef struct _ENTROPY_SOURCE_STATE *ENTROPY_SOURCE_HANDLE;
typedef enum { ENTROPY_SOURCE_TYPE_HIGH_PUSH = 1, ENTROPY_SOURCE_TYPE_LOW_PUSH = 2, ENTROPY_SOURCE_TYPE_HIGH_PULL = 3 } ENTROPY_SOURCE_TYPE;
typedef NTSTATUS (*PENTROPY_SOURCE_CALLBACK_FUNCTION)(ENTROPY_SOURCE_HANDLE hEntropySource, PVOID context);
__declspec(dllimport) NTSTATUS EntropyRegisterSource(ENTROPY_SOURCE_HANDLE *phEntropySource, ENTROPY_SOURCE_TYPE entropySourceType, PCWSTR entropySourceName);
__declspec(dllimport) NTSTATUS EntropyUnregisterSource(ENTROPY_SOURCE_HANDLE hEntropySource);
__declspec(dllimport) NTSTATUS EntropyProvideData(ENTROPY_SOURCE_HANDLE hEntropySource, const UCHAR *pbData, SIZE_T cbData, ULONG entropyEstimateInMilliBits);
__declspec(dllimport) NTSTATUS EntropyRegisterCallback(ENTROPY_SOURCE_HANDLE hEntropySource, PENTROPY_SOURCE_CALLBACK_FUNCTION pCallbackFunction, PVOID context);

/* ---- werkernel.sys (ext-ms-win-ntos-werkernel-l1-1-1): undocumented ---- */
__declspec(dllimport) NTSTATUS NTAPI WerLiveKernelCreateReport(PVOID ReportContext, PULONG Policy, PHANDLE ReportHandle);
__declspec(dllimport) NTSTATUS NTAPI WerLiveKernelSubmitReport(HANDLE ReportHandle);
__declspec(dllimport) NTSTATUS NTAPI WerLiveKernelCancelReport(HANDLE ReportHandle);
__declspec(dllimport) NTSTATUS NTAPI WerLiveKernelCloseHandle(HANDLE ReportHandle);
__declspec(dllimport) NTSTATUS NTAPI WerLiveKernelOpenDumpFile(HANDLE ReportHandle, PHANDLE FileHandle);

/* ---- ntoskrnl.exe ---- */
typedef struct _QA_RTL_PROCESS_MODULE_INFORMATION {
    PVOID Section;
    PVOID MappedBase;
    PVOID ImageBase;
    ULONG ImageSize;
    ULONG Flags;
    USHORT LoadOrderIndex, InitOrderIndex, LoadCount, OffsetToFileName;
    UCHAR FullPathName[256];
} QA_RTL_PROCESS_MODULE_INFORMATION;
typedef struct _QA_RTL_PROCESS_MODULES {
    ULONG NumberOfModules;
    QA_RTL_PROCESS_MODULE_INFORMATION Modules[1];
} QA_RTL_PROCESS_MODULES;
NTKERNELAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);
NTKERNELAPI PVOID NTAPI RtlFindExportedRoutineByName(PVOID ImageBase, PCSTR RoutineName);

extern PDRIVER_OBJECT TheDriver;
extern BOOLEAN UnloadCalled;

/* ---- portcls.sys: IResourceList and IInterruptSync (Learn's portcls.h; mingw-w64's method order) ---- */
typedef struct _QA_RESOURCELIST QA_RESOURCELIST, *PQA_RESOURCELIST;
typedef struct _QA_RESOURCELIST_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PQA_RESOURCELIST This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PQA_RESOURCELIST This);
    ULONG (NTAPI *Release)(PQA_RESOURCELIST This);
    ULONG (NTAPI *NumberOfEntries)(PQA_RESOURCELIST This);
    ULONG (NTAPI *NumberOfEntriesOfType)(PQA_RESOURCELIST This, CM_RESOURCE_TYPE Type);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR (NTAPI *FindTranslatedEntry)(PQA_RESOURCELIST This, CM_RESOURCE_TYPE Type, ULONG Index);
} QA_RESOURCELIST_VTBL;
struct _QA_RESOURCELIST { const QA_RESOURCELIST_VTBL *lpVtbl; };

typedef enum { InterruptSyncModeNormal = 1, InterruptSyncModeAll, InterruptSyncModeRepeat } INTERRUPTSYNCMODE;
typedef struct _QA_INTERRUPTSYNC QA_INTERRUPTSYNC, *PQA_INTERRUPTSYNC;
typedef NTSTATUS (NTAPI *PINTERRUPTSYNCROUTINE)(PQA_INTERRUPTSYNC InterruptSync, PVOID DynamicContext);
typedef struct _QA_INTERRUPTSYNC_VTBL {
    NTSTATUS (NTAPI *QueryInterface)(PQA_INTERRUPTSYNC This, const GUID *Iid, PVOID *Out);
    ULONG (NTAPI *AddRef)(PQA_INTERRUPTSYNC This);
    ULONG (NTAPI *Release)(PQA_INTERRUPTSYNC This);
    NTSTATUS (NTAPI *CallSynchronizedRoutine)(PQA_INTERRUPTSYNC This, PINTERRUPTSYNCROUTINE Routine, PVOID DynamicContext);
    PKINTERRUPT (NTAPI *GetKInterrupt)(PQA_INTERRUPTSYNC This);
    NTSTATUS (NTAPI *Connect)(PQA_INTERRUPTSYNC This);
    VOID (NTAPI *Disconnect)(PQA_INTERRUPTSYNC This);
    NTSTATUS (NTAPI *RegisterServiceRoutine)(PQA_INTERRUPTSYNC This, PINTERRUPTSYNCROUTINE Routine, PVOID DynamicContext, BOOLEAN First);
} QA_INTERRUPTSYNC_VTBL;
struct _QA_INTERRUPTSYNC { const QA_INTERRUPTSYNC_VTBL *lpVtbl; };

__declspec(dllimport) NTSTATUS NTAPI PcNewResourceList(PQA_RESOURCELIST *OutResourceList, PVOID OuterUnknown, POOL_TYPE PoolType, PCM_RESOURCE_LIST TranslatedResources, PCM_RESOURCE_LIST UntranslatedResources);
__declspec(dllimport) NTSTATUS NTAPI PcNewInterruptSync(PQA_INTERRUPTSYNC *OutInterruptSync, PVOID OuterUnknown, PQA_RESOURCELIST ResourceList, ULONG ResourceIndex, INTERRUPTSYNCMODE Mode);
