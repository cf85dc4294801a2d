/*
 * kmdfmin.h - a minimal KMDF (1.33) header for kmdll's examples, written from the documented API.
 * Names, structure layouts and the function table indices are facts of the public KMDF headers
 * (microsoft/Windows-Driver-Frameworks src/publicinc/wdf/kmdf/1.33: wdffuncenum.h for the
 * indices, wdfdriver.h / wdfobject.h / wdfio.h / wdfglobals.h for the structures) and of the loader
 * interface (src/framework/shared/inc/private/common/fxldr.h: WDF_BIND_INFO, WdfVersionBind).
 * What a control-device IOCTL driver and a PnP function/filter driver with a queue need. KmdllWdfBind is kmdll's own small stand-in for
 * the WDK's WdfDriverEntry stub library.
 * Calling convention: the WDK builds x86 drivers and the framework with /Gz (stdcall by default),
 * so on x86 the framework's DDIs, WdfVersionBind and the EVT_WDF_* callbacks are stdcall; the
 * public headers leave them undecorated, this header spells NTAPI (nothing on x64 and ARM64).
 * Declare callbacks with their role type (`EVT_WDF_DRIVER_UNLOAD MyUnload;`), as KMDF samples do.
 */
#ifndef KMDFMIN_H
#define KMDFMIN_H
#include <ntddk.h>

typedef PVOID WDFOBJECT, WDFDRIVER, WDFDEVICE, WDFQUEUE, WDFREQUEST, WDFCMRESLIST, WDFIOTARGET, WDFFILEOBJECT, WDFMEMORY, WDFTIMER;
typedef PVOID WDFWAITLOCK, WDFSPINLOCK, WDFCOLLECTION;
typedef struct WDFDEVICE_INIT *PWDFDEVICE_INIT;

typedef struct _WDF_DRIVER_GLOBALS {
    WDFDRIVER Driver;
    ULONG DriverFlags;
    ULONG DriverTag;
    CHAR DriverName[32];
    BOOLEAN DisplaceDriverUnload;
} WDF_DRIVER_GLOBALS, *PWDF_DRIVER_GLOBALS;

typedef struct _WDF_VERSION { ULONG Major; ULONG Minor; ULONG Build; } WDF_VERSION;
typedef VOID (NTAPI *WDFFUNC)(VOID);
typedef struct _WDF_BIND_INFO {
    ULONG Size;
    PWCHAR Component;
    WDF_VERSION Version;
    ULONG FuncCount;
    WDFFUNC *FuncTable;
    PVOID Module;
} WDF_BIND_INFO, *PWDF_BIND_INFO;

NTSTATUS NTAPI WdfVersionBind(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath, PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS *Globals);
NTSTATUS NTAPI WdfVersionUnbind(PUNICODE_STRING RegistryPath, PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals);

/* WDFFUNCENUM indices (wdffuncenum.h). */
enum {
    WdfControlDeviceInitAllocateTableIndex = 25,
    WdfDeviceInitFreeTableIndex = 54,
    WdfControlFinishInitializingTableIndex = 27,
    WdfDeviceCreateTableIndex = 75,
    WdfDeviceCreateSymbolicLinkTableIndex = 80,
    WdfDeviceInitAssignNameTableIndex = 67,
    WdfDriverCreateTableIndex = 116,
    WdfDriverWdmGetDriverObjectTableIndex = 118,
    WdfIoQueueCreateTableIndex = 152,
    WdfObjectGetTypedContextWorkerTableIndex = 202,
    WdfObjectDeleteTableIndex = 208,
    WdfRequestCompleteTableIndex = 263,
    WdfRequestCompleteWithInformationTableIndex = 265,
    WdfRequestRetrieveInputBufferTableIndex = 269,
    WdfRequestRetrieveOutputBufferTableIndex = 270,
    WdfRequestSetInformationTableIndex = 275,
    /* PnP function and filter drivers */
    WdfDeviceWdmGetDeviceObjectTableIndex = 31,
    WdfDeviceWdmGetAttachedDeviceTableIndex = 32,
    WdfDeviceWdmGetPhysicalDeviceTableIndex = 33,
    WdfDeviceGetDriverTableIndex = 39,
    WdfDeviceGetIoTargetTableIndex = 42,
    WdfDeviceInitSetPnpPowerEventCallbacksTableIndex = 55,
    WdfDeviceInitSetIoTypeTableIndex = 61,
    WdfDeviceCreateDeviceInterfaceTableIndex = 77,
    WdfFdoInitSetFilterTableIndex = 129,
    WdfFdoQueryForInterfaceTableIndex = 131,
    WdfIoQueueGetDeviceTableIndex = 157,
    WdfObjectReferenceActualTableIndex = 205,
    WdfObjectDereferenceActualTableIndex = 206,
    WdfRequestFormatRequestUsingCurrentTypeTableIndex = 251,
    WdfRequestSendTableIndex = 253,
    WdfRequestGetStatusTableIndex = 254,
    WdfCmResourceListGetCountTableIndex = 304,
    WdfCmResourceListGetDescriptorTableIndex = 305,
    /* framework file objects */
    WdfDeviceInitSetFileObjectConfigTableIndex = 71,
    WdfFileObjectGetDeviceTableIndex = 139,
    WdfFileObjectWdmGetFileObjectTableIndex = 140,
    WdfRequestGetFileObjectTableIndex = 277,
    /* WDFMEMORY and a request's buffers (wdfmemory.h, wdfrequest.h) */
    WdfMemoryCreateTableIndex = 192,
    WdfMemoryCreatePreallocatedTableIndex = 193,
    WdfMemoryGetBufferTableIndex = 194,
    WdfMemoryAssignBufferTableIndex = 195,
    WdfMemoryCopyToBufferTableIndex = 196,
    WdfMemoryCopyFromBufferTableIndex = 197,
    WdfRequestRetrieveInputMemoryTableIndex = 267,
    WdfRequestRetrieveOutputMemoryTableIndex = 268,
    WdfRequestRetrieveInputWdmMdlTableIndex = 271,
    WdfRequestRetrieveOutputWdmMdlTableIndex = 272,
    WdfRequestRetrieveUnsafeUserInputBufferTableIndex = 273,
    WdfRequestRetrieveUnsafeUserOutputBufferTableIndex = 274,
    WdfRequestProbeAndLockUserBufferForReadTableIndex = 278,
    WdfRequestProbeAndLockUserBufferForWriteTableIndex = 279,
    /* WDFINTERRUPT (wdfinterrupt.h) */
    WdfInterruptCreateTableIndex = 141,
    WdfInterruptGetDeviceTableIndex = 151,
    /* WDFTIMER (wdftimer.h) */
    WdfTimerCreateTableIndex = 318,
    WdfTimerStartTableIndex = 319,
    WdfTimerStopTableIndex = 320,
    WdfTimerGetParentObjectTableIndex = 321,
    /* locks (wdfsync.h), collections (wdfcollection.h), contexts (wdfobject.h), cancellation (wdfrequest.h) */
    WdfDriverGetRegistryPathTableIndex = 117,
    WdfDeviceConfigureRequestDispatchingTableIndex = 93,
    WdfDeviceInitAssignSDDLStringTableIndex = 68,
    WdfDeviceInitSetCharacteristicsTableIndex = 70,
    WdfDeviceOpenRegistryKeyTableIndex = 48,
    WdfRegistryQueryULongTableIndex = 240,
    WdfRegistryCloseTableIndex = 231,
    WdfWaitLockCreateTableIndex = 312,
    WdfWaitLockAcquireTableIndex = 313,
    WdfWaitLockReleaseTableIndex = 314,
    WdfSpinLockCreateTableIndex = 315,
    WdfSpinLockAcquireTableIndex = 316,
    WdfSpinLockReleaseTableIndex = 317,
    WdfCollectionCreateTableIndex = 13,
    WdfCollectionGetCountTableIndex = 14,
    WdfCollectionAddTableIndex = 15,
    WdfCollectionRemoveTableIndex = 16,
    WdfCollectionRemoveItemTableIndex = 17,
    WdfCollectionGetItemTableIndex = 18,
    WdfCollectionGetFirstItemTableIndex = 19,
    WdfCollectionGetLastItemTableIndex = 20,
    WdfObjectAllocateContextTableIndex = 203,
    WdfObjectContextGetObjectTableIndex = 204,
    WdfRequestMarkCancelableTableIndex = 255,
    WdfRequestUnmarkCancelableTableIndex = 256,
    WdfRequestIsCanceledTableIndex = 257,
    WdfRequestWdmGetIrpTableIndex = 285,
    WdfRequestMarkCancelableExTableIndex = 393,
    WdfDeviceInitSetIoTypeExTableIndex = 432,
    WdfDeviceInitAssignWdmIrpPreprocessCallbackTableIndex = 73,
    WdfDeviceWdmDispatchPreprocessedIrpTableIndex = 34,
    WdfFunctionTableNumEntries = 458
};

typedef struct _WDF_OBJECT_CONTEXT_TYPE_INFO {
    ULONG Size;
    PCHAR ContextName;
    size_t ContextSize;
    const struct _WDF_OBJECT_CONTEXT_TYPE_INFO *UniqueType;
    PVOID EvtDriverGetUniqueContextType;
} WDF_OBJECT_CONTEXT_TYPE_INFO;

typedef VOID NTAPI EVT_WDF_OBJECT_CONTEXT_CLEANUP(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_CLEANUP *PFN_WDF_OBJECT_CONTEXT_CLEANUP;
typedef struct _WDF_OBJECT_ATTRIBUTES {
    ULONG Size;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtCleanupCallback;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtDestroyCallback;
    int ExecutionLevel;
    int SynchronizationScope;
    WDFOBJECT ParentObject;
    size_t ContextSizeOverride;
    const WDF_OBJECT_CONTEXT_TYPE_INFO *ContextTypeInfo;
} WDF_OBJECT_ATTRIBUTES, *PWDF_OBJECT_ATTRIBUTES;

typedef NTSTATUS NTAPI EVT_WDF_DRIVER_DEVICE_ADD(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit);
typedef EVT_WDF_DRIVER_DEVICE_ADD *PFN_WDF_DRIVER_DEVICE_ADD;
typedef VOID NTAPI EVT_WDF_DRIVER_UNLOAD(WDFDRIVER Driver);
typedef EVT_WDF_DRIVER_UNLOAD *PFN_WDF_DRIVER_UNLOAD;
#define WdfDriverInitNonPnpDriver 0x00000001
typedef struct _WDF_DRIVER_CONFIG {
    ULONG Size;
    PFN_WDF_DRIVER_DEVICE_ADD EvtDriverDeviceAdd;
    PFN_WDF_DRIVER_UNLOAD EvtDriverUnload;
    ULONG DriverInitFlags;
    ULONG DriverPoolTag;
} WDF_DRIVER_CONFIG, *PWDF_DRIVER_CONFIG;

typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength, size_t InputBufferLength, ULONG IoControlCode);
typedef EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL *PFN_WDF_IO_QUEUE_IO_DEVICE_CONTROL;
typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_DEFAULT(WDFQUEUE Queue, WDFREQUEST Request);
typedef EVT_WDF_IO_QUEUE_IO_DEFAULT *PFN_WDF_IO_QUEUE_IO_DEFAULT;
typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_READ(WDFQUEUE Queue, WDFREQUEST Request, size_t Length);
typedef EVT_WDF_IO_QUEUE_IO_READ *PFN_WDF_IO_QUEUE_IO_READ;
typedef EVT_WDF_IO_QUEUE_IO_READ EVT_WDF_IO_QUEUE_IO_WRITE;
typedef enum { WdfIoQueueDispatchSequential = 1, WdfIoQueueDispatchParallel, WdfIoQueueDispatchManual } WDF_IO_QUEUE_DISPATCH_TYPE;
typedef struct _WDF_IO_QUEUE_CONFIG {
    ULONG Size;
    WDF_IO_QUEUE_DISPATCH_TYPE DispatchType;
    int PowerManaged; /* WDF_TRI_STATE */
    BOOLEAN AllowZeroLengthRequests;
    BOOLEAN DefaultQueue;
    PFN_WDF_IO_QUEUE_IO_DEFAULT EvtIoDefault;
    PFN_WDF_IO_QUEUE_IO_READ EvtIoRead;
    PFN_WDF_IO_QUEUE_IO_READ EvtIoWrite;
    PFN_WDF_IO_QUEUE_IO_DEVICE_CONTROL EvtIoDeviceControl;
    PFN_WDF_IO_QUEUE_IO_DEVICE_CONTROL EvtIoInternalDeviceControl;
    PVOID EvtIoStop;
    PVOID EvtIoResume;
    PVOID EvtIoCanceledOnQueue;
    union { struct { ULONG NumberOfPresentedRequests; } Parallel; } Settings;
    WDFDRIVER Driver;
} WDF_IO_QUEUE_CONFIG, *PWDF_IO_QUEUE_CONFIG;

/* PnP (wdfdevice.h, wdfrequest.h): the callbacks of a PnP device's life and request forwarding. */
typedef enum { WdfPowerDeviceInvalid = 0, WdfPowerDeviceD0, WdfPowerDeviceD1, WdfPowerDeviceD2, WdfPowerDeviceD3, WdfPowerDeviceD3Final, WdfPowerDevicePrepareForHibernation, WdfPowerDeviceMaximum } WDF_POWER_DEVICE_STATE;
typedef enum { WdfDeviceIoUndefined = 0, WdfDeviceIoNeither, WdfDeviceIoBuffered, WdfDeviceIoDirect, WdfDeviceIoBufferedOrDirect } WDF_DEVICE_IO_TYPE;
typedef NTSTATUS NTAPI EVT_WDF_DEVICE_D0_ENTRY(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState);
typedef EVT_WDF_DEVICE_D0_ENTRY *PFN_WDF_DEVICE_D0_ENTRY;
typedef NTSTATUS NTAPI EVT_WDF_DEVICE_D0_EXIT(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState);
typedef EVT_WDF_DEVICE_D0_EXIT *PFN_WDF_DEVICE_D0_EXIT;
typedef NTSTATUS NTAPI EVT_WDF_DEVICE_PREPARE_HARDWARE(WDFDEVICE Device, WDFCMRESLIST ResourcesRaw, WDFCMRESLIST ResourcesTranslated);
typedef EVT_WDF_DEVICE_PREPARE_HARDWARE *PFN_WDF_DEVICE_PREPARE_HARDWARE;
typedef NTSTATUS NTAPI EVT_WDF_DEVICE_RELEASE_HARDWARE(WDFDEVICE Device, WDFCMRESLIST ResourcesTranslated);
typedef EVT_WDF_DEVICE_RELEASE_HARDWARE *PFN_WDF_DEVICE_RELEASE_HARDWARE;
typedef struct _WDF_PNPPOWER_EVENT_CALLBACKS {
    ULONG Size;
    PFN_WDF_DEVICE_D0_ENTRY EvtDeviceD0Entry;
    PVOID EvtDeviceD0EntryPostInterruptsEnabled;
    PFN_WDF_DEVICE_D0_EXIT EvtDeviceD0Exit;
    PVOID EvtDeviceD0ExitPreInterruptsDisabled;
    PFN_WDF_DEVICE_PREPARE_HARDWARE EvtDevicePrepareHardware;
    PFN_WDF_DEVICE_RELEASE_HARDWARE EvtDeviceReleaseHardware;
    PVOID EvtDeviceSelfManagedIoCleanup;
    PVOID EvtDeviceSelfManagedIoFlush;
    PVOID EvtDeviceSelfManagedIoInit;
    PVOID EvtDeviceSelfManagedIoSuspend;
    PVOID EvtDeviceSelfManagedIoRestart;
    PVOID EvtDeviceSurpriseRemoval;
    PVOID EvtDeviceQueryRemove;
    PVOID EvtDeviceQueryStop;
    PVOID EvtDeviceUsageNotification;
    PVOID EvtDeviceRelationsQuery;
    PVOID EvtDeviceUsageNotificationEx;
} WDF_PNPPOWER_EVENT_CALLBACKS, *PWDF_PNPPOWER_EVENT_CALLBACKS;
/* Framework file objects (wdfdevice.h, wdffileobject.h). */
typedef VOID NTAPI EVT_WDF_DEVICE_FILE_CREATE(WDFDEVICE Device, WDFREQUEST Request, WDFFILEOBJECT FileObject);
typedef EVT_WDF_DEVICE_FILE_CREATE *PFN_WDF_DEVICE_FILE_CREATE;
typedef VOID NTAPI EVT_WDF_FILE_CLOSE(WDFFILEOBJECT FileObject);
typedef EVT_WDF_FILE_CLOSE *PFN_WDF_FILE_CLOSE;
typedef VOID NTAPI EVT_WDF_FILE_CLEANUP(WDFFILEOBJECT FileObject);
typedef EVT_WDF_FILE_CLEANUP *PFN_WDF_FILE_CLEANUP;
typedef enum { WdfFalse = 0, WdfTrue = 1, WdfUseDefault = 2 } WDF_TRI_STATE;
typedef enum { WdfFileObjectInvalid = 0, WdfFileObjectNotRequired = 1, WdfFileObjectWdfCanUseFsContext = 2, WdfFileObjectWdfCanUseFsContext2 = 3, WdfFileObjectWdfCannotUseFsContexts = 4 } WDF_FILEOBJECT_CLASS;
typedef struct _WDF_FILEOBJECT_CONFIG {
    ULONG Size;
    PFN_WDF_DEVICE_FILE_CREATE EvtDeviceFileCreate;
    PFN_WDF_FILE_CLOSE EvtFileClose;
    PFN_WDF_FILE_CLEANUP EvtFileCleanup;
    WDF_TRI_STATE AutoForwardCleanupClose;
    WDF_FILEOBJECT_CLASS FileObjectClass;
} WDF_FILEOBJECT_CONFIG, *PWDF_FILEOBJECT_CONFIG;
#define WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET 0x00000008
typedef VOID NTAPI EVT_WDF_TIMER(WDFTIMER Timer);
typedef EVT_WDF_TIMER *PFN_WDF_TIMER;
typedef struct _WDF_TIMER_CONFIG {
    ULONG Size;
    PFN_WDF_TIMER EvtTimerFunc;
    ULONG Period;
    BOOLEAN AutomaticSerialization;
    ULONG TolerableDelay;
    DECLSPEC_ALIGN(8) BOOLEAN UseHighResolutionTimer;
} WDF_TIMER_CONFIG, *PWDF_TIMER_CONFIG;
typedef enum { WdfExecutionLevelInvalid = 0, WdfExecutionLevelInheritFromParent, WdfExecutionLevelPassive, WdfExecutionLevelDispatch } WDF_EXECUTION_LEVEL;
typedef enum { WdfSynchronizationScopeInvalid = 0, WdfSynchronizationScopeInheritFromParent, WdfSynchronizationScopeDevice, WdfSynchronizationScopeQueue, WdfSynchronizationScopeNone } WDF_SYNCHRONIZATION_SCOPE;
#define STATUS_WDF_OBJECT_ATTRIBUTES_INVALID ((NTSTATUS)0xC0200209L)
#define STATUS_WDF_PARENT_NOT_SPECIFIED ((NTSTATUS)0xC0200212L)
typedef struct _WDF_REQUEST_SEND_OPTIONS { ULONG Size; ULONG Flags; LONGLONG Timeout; } WDF_REQUEST_SEND_OPTIONS, *PWDF_REQUEST_SEND_OPTIONS;

/* The bound framework: set by KmdllWdfBind (defined in exactly one file with KMDFMIN_STUB). */
extern WDFFUNC *WdfFunctions;
extern PWDF_DRIVER_GLOBALS WdfDriverGlobals;
#define WDFCALL(name, type) ((type)WdfFunctions[name##TableIndex])

#define WdfDriverCreate(d, r, a, c, o) WDFCALL(WdfDriverCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PDRIVER_OBJECT, PCUNICODE_STRING, PWDF_OBJECT_ATTRIBUTES, PWDF_DRIVER_CONFIG, WDFDRIVER *))(WdfDriverGlobals, d, r, a, c, o)
#define WdfDriverWdmGetDriverObject(d) WDFCALL(WdfDriverWdmGetDriverObject, PDRIVER_OBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDRIVER))(WdfDriverGlobals, d)
#define WdfControlDeviceInitAllocate(d, s) WDFCALL(WdfControlDeviceInitAllocate, PWDFDEVICE_INIT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDRIVER, PCUNICODE_STRING))(WdfDriverGlobals, d, s)
#define WdfDeviceInitFree(i) WDFCALL(WdfDeviceInitFree, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT))(WdfDriverGlobals, i)
#define WdfDeviceInitAssignName(i, n) WDFCALL(WdfDeviceInitAssignName, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PCUNICODE_STRING))(WdfDriverGlobals, i, n)
#define WdfDeviceCreate(i, a, o) WDFCALL(WdfDeviceCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT *, PWDF_OBJECT_ATTRIBUTES, WDFDEVICE *))(WdfDriverGlobals, i, a, o)
#define WdfDeviceCreateSymbolicLink(d, n) WDFCALL(WdfDeviceCreateSymbolicLink, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PCUNICODE_STRING))(WdfDriverGlobals, d, n)
#define WdfControlFinishInitializing(d) WDFCALL(WdfControlFinishInitializing, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, d)
#define WdfIoQueueCreate(d, c, a, o) WDFCALL(WdfIoQueueCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_IO_QUEUE_CONFIG, PWDF_OBJECT_ATTRIBUTES, WDFQUEUE *))(WdfDriverGlobals, d, c, a, o)
#define WdfObjectDelete(o) WDFCALL(WdfObjectDelete, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFOBJECT))(WdfDriverGlobals, o)
/* wdfobject.h declares these two FASTCALL (PFN_WDFOBJECTGETTYPEDCONTEXTWORKER, PFN_WDFOBJECTCONTEXTGETOBJECT):
 * on x86 the globals and the first argument travel in ECX and EDX. Every other DDI is stdcall (/Gz). */
#define WdfObjectGetTypedContextWorker(o, t) WDFCALL(WdfObjectGetTypedContextWorker, PVOID (FASTCALL *)(PWDF_DRIVER_GLOBALS, WDFOBJECT, const WDF_OBJECT_CONTEXT_TYPE_INFO *))(WdfDriverGlobals, o, t)
#define WdfRequestComplete(r, s) WDFCALL(WdfRequestComplete, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, NTSTATUS))(WdfDriverGlobals, r, s)
#define WdfRequestCompleteWithInformation(r, s, i) WDFCALL(WdfRequestCompleteWithInformation, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, NTSTATUS, ULONG_PTR))(WdfDriverGlobals, r, s, i)
#define WdfRequestRetrieveInputBuffer(r, m, b, l) WDFCALL(WdfRequestRetrieveInputBuffer, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, size_t, PVOID *, size_t *))(WdfDriverGlobals, r, m, b, l)
#define WdfRequestRetrieveOutputBuffer(r, m, b, l) WDFCALL(WdfRequestRetrieveOutputBuffer, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, size_t, PVOID *, size_t *))(WdfDriverGlobals, r, m, b, l)

#define WdfDeviceInitSetPnpPowerEventCallbacks(i, c) WDFCALL(WdfDeviceInitSetPnpPowerEventCallbacks, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PWDF_PNPPOWER_EVENT_CALLBACKS))(WdfDriverGlobals, i, c)
#define WdfDeviceInitSetIoType(i, t) WDFCALL(WdfDeviceInitSetIoType, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, WDF_DEVICE_IO_TYPE))(WdfDriverGlobals, i, t)
#define WdfFdoInitSetFilter(i) WDFCALL(WdfFdoInitSetFilter, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT))(WdfDriverGlobals, i)
#define WdfDeviceCreateDeviceInterface(d, g, r) WDFCALL(WdfDeviceCreateDeviceInterface, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, CONST GUID *, PCUNICODE_STRING))(WdfDriverGlobals, d, g, r)
#define WdfFdoQueryForInterface(d, g, i, s, v, x) WDFCALL(WdfFdoQueryForInterface, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, LPCGUID, PINTERFACE, USHORT, USHORT, PVOID))(WdfDriverGlobals, d, g, i, s, v, x)
#define WdfDeviceWdmGetDeviceObject(d) WDFCALL(WdfDeviceWdmGetDeviceObject, PDEVICE_OBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, d)
#define WdfDeviceWdmGetAttachedDevice(d) WDFCALL(WdfDeviceWdmGetAttachedDevice, PDEVICE_OBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, d)
#define WdfDeviceWdmGetPhysicalDevice(d) WDFCALL(WdfDeviceWdmGetPhysicalDevice, PDEVICE_OBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, d)
#define WdfDeviceGetDriver(d) WDFCALL(WdfDeviceGetDriver, WDFDRIVER (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, d)
#define WdfDeviceGetIoTarget(d) WDFCALL(WdfDeviceGetIoTarget, WDFIOTARGET (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE))(WdfDriverGlobals, d)
#define WdfIoQueueGetDevice(q) WDFCALL(WdfIoQueueGetDevice, WDFDEVICE (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFQUEUE))(WdfDriverGlobals, q)
#define WdfObjectReference(o) WDFCALL(WdfObjectReferenceActual, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFOBJECT, PVOID, LONG, PCHAR))(WdfDriverGlobals, o, NULL, __LINE__, __FILE__)
#define WdfObjectDereference(o) WDFCALL(WdfObjectDereferenceActual, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFOBJECT, PVOID, LONG, PCHAR))(WdfDriverGlobals, o, NULL, __LINE__, __FILE__)
#define WdfRequestFormatRequestUsingCurrentType(r) WDFCALL(WdfRequestFormatRequestUsingCurrentType, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST))(WdfDriverGlobals, r)
#define WdfRequestSend(r, t, o) WDFCALL(WdfRequestSend, BOOLEAN (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, WDFIOTARGET, PWDF_REQUEST_SEND_OPTIONS))(WdfDriverGlobals, r, t, o)
#define WdfRequestGetStatus(r) WDFCALL(WdfRequestGetStatus, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST))(WdfDriverGlobals, r)
#define WdfDeviceInitSetFileObjectConfig(i, c, a) WDFCALL(WdfDeviceInitSetFileObjectConfig, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PWDF_FILEOBJECT_CONFIG, PWDF_OBJECT_ATTRIBUTES))(WdfDriverGlobals, i, c, a)
#define WdfFileObjectGetDevice(f) WDFCALL(WdfFileObjectGetDevice, WDFDEVICE (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFFILEOBJECT))(WdfDriverGlobals, f)
#define WdfFileObjectWdmGetFileObject(f) WDFCALL(WdfFileObjectWdmGetFileObject, PFILE_OBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFFILEOBJECT))(WdfDriverGlobals, f)
#define WdfRequestGetFileObject(r) WDFCALL(WdfRequestGetFileObject, WDFFILEOBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST))(WdfDriverGlobals, r)
#define WdfCmResourceListGetCount(l) WDFCALL(WdfCmResourceListGetCount, ULONG (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCMRESLIST))(WdfDriverGlobals, l)
#define WdfCmResourceListGetDescriptor(l, i) WDFCALL(WdfCmResourceListGetDescriptor, PCM_PARTIAL_RESOURCE_DESCRIPTOR (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCMRESLIST, ULONG))(WdfDriverGlobals, l, i)
#define WdfRequestSetInformation(r, i) WDFCALL(WdfRequestSetInformation, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, ULONG_PTR))(WdfDriverGlobals, r, i)
#define WdfMemoryCreate(a, p, t, n, m, b) WDFCALL(WdfMemoryCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_OBJECT_ATTRIBUTES, POOL_TYPE, ULONG, size_t, WDFMEMORY *, PVOID *))(WdfDriverGlobals, a, p, t, n, m, b)
#define WdfMemoryCreatePreallocated(a, b, n, m) WDFCALL(WdfMemoryCreatePreallocated, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_OBJECT_ATTRIBUTES, PVOID, size_t, WDFMEMORY *))(WdfDriverGlobals, a, b, n, m)
#define WdfMemoryGetBuffer(m, n) WDFCALL(WdfMemoryGetBuffer, PVOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFMEMORY, size_t *))(WdfDriverGlobals, m, n)
#define WdfMemoryAssignBuffer(m, b, n) WDFCALL(WdfMemoryAssignBuffer, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFMEMORY, PVOID, size_t))(WdfDriverGlobals, m, b, n)
#define WdfMemoryCopyToBuffer(m, o, b, n) WDFCALL(WdfMemoryCopyToBuffer, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFMEMORY, size_t, PVOID, size_t))(WdfDriverGlobals, m, o, b, n)
#define WdfMemoryCopyFromBuffer(m, o, b, n) WDFCALL(WdfMemoryCopyFromBuffer, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFMEMORY, size_t, PVOID, size_t))(WdfDriverGlobals, m, o, b, n)
#define WdfRequestRetrieveInputMemory(r, m) WDFCALL(WdfRequestRetrieveInputMemory, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, WDFMEMORY *))(WdfDriverGlobals, r, m)
#define WdfRequestRetrieveOutputMemory(r, m) WDFCALL(WdfRequestRetrieveOutputMemory, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, WDFMEMORY *))(WdfDriverGlobals, r, m)
#define WdfRequestRetrieveInputWdmMdl(r, m) WDFCALL(WdfRequestRetrieveInputWdmMdl, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PMDL *))(WdfDriverGlobals, r, m)
#define WdfRequestRetrieveOutputWdmMdl(r, m) WDFCALL(WdfRequestRetrieveOutputWdmMdl, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PMDL *))(WdfDriverGlobals, r, m)
#define WdfRequestRetrieveUnsafeUserInputBuffer(r, n, b, l) WDFCALL(WdfRequestRetrieveUnsafeUserInputBuffer, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, size_t, PVOID *, size_t *))(WdfDriverGlobals, r, n, b, l)
#define WdfRequestRetrieveUnsafeUserOutputBuffer(r, n, b, l) WDFCALL(WdfRequestRetrieveUnsafeUserOutputBuffer, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, size_t, PVOID *, size_t *))(WdfDriverGlobals, r, n, b, l)
#define WdfRequestProbeAndLockUserBufferForRead(r, b, n, m) WDFCALL(WdfRequestProbeAndLockUserBufferForRead, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PVOID, size_t, WDFMEMORY *))(WdfDriverGlobals, r, b, n, m)
#define WdfRequestProbeAndLockUserBufferForWrite(r, b, n, m) WDFCALL(WdfRequestProbeAndLockUserBufferForWrite, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PVOID, size_t, WDFMEMORY *))(WdfDriverGlobals, r, b, n, m)
/* wdfinterrupt.h (KMDF 1.33): WDF_INTERRUPT_CONFIG. */
typedef PVOID WDFINTERRUPT;
typedef BOOLEAN NTAPI EVT_WDF_INTERRUPT_ISR(WDFINTERRUPT Interrupt, ULONG MessageID);
typedef VOID NTAPI EVT_WDF_INTERRUPT_DPC(WDFINTERRUPT Interrupt, WDFOBJECT AssociatedObject);
typedef struct _WDF_INTERRUPT_CONFIG {
    ULONG Size;
    PVOID SpinLock;
    ULONG ShareVector;
    BOOLEAN FloatingSave;
    BOOLEAN AutomaticSerialization;
    EVT_WDF_INTERRUPT_ISR *EvtInterruptIsr;
    EVT_WDF_INTERRUPT_DPC *EvtInterruptDpc;
    PVOID EvtInterruptEnable;
    PVOID EvtInterruptDisable;
    PVOID EvtInterruptWorkItem;
    PVOID InterruptRaw;
    PVOID InterruptTranslated;
    PVOID WaitLock;
    BOOLEAN PassiveHandling;
    ULONG ReportInactiveOnPowerDown;
    BOOLEAN CanWakeDevice;
} WDF_INTERRUPT_CONFIG, *PWDF_INTERRUPT_CONFIG;
#define WdfInterruptCreate(d, c, a, i) WDFCALL(WdfInterruptCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PWDF_INTERRUPT_CONFIG, PWDF_OBJECT_ATTRIBUTES, WDFINTERRUPT *))(WdfDriverGlobals, d, c, a, i)
#define WdfInterruptGetDevice(i) WDFCALL(WdfInterruptGetDevice, WDFDEVICE (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFINTERRUPT))(WdfDriverGlobals, i)
#define WdfTimerCreate(c, a, t) WDFCALL(WdfTimerCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_TIMER_CONFIG, PWDF_OBJECT_ATTRIBUTES, WDFTIMER *))(WdfDriverGlobals, c, a, t)
#define WdfTimerStart(t, d) WDFCALL(WdfTimerStart, BOOLEAN (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFTIMER, LONGLONG))(WdfDriverGlobals, t, d)
#define WdfTimerStop(t, w) WDFCALL(WdfTimerStop, BOOLEAN (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFTIMER, BOOLEAN))(WdfDriverGlobals, t, w)
#define WdfTimerGetParentObject(t) WDFCALL(WdfTimerGetParentObject, WDFOBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFTIMER))(WdfDriverGlobals, t)
/* wdfdevice.h (KMDF 1.13+): DeviceControlIoType and DirectTransferThreshold are UMDF's. */
typedef struct _WDF_IO_TYPE_CONFIG {
    ULONG Size;
    WDF_DEVICE_IO_TYPE ReadWriteIoType;
    WDF_DEVICE_IO_TYPE DeviceControlIoType;
    ULONG DirectTransferThreshold;
} WDF_IO_TYPE_CONFIG, *PWDF_IO_TYPE_CONFIG;
/* wdfdevice.h: EvtDeviceWdmIrpPreprocess and the IRP's way back to the framework. */
typedef NTSTATUS NTAPI EVT_WDFDEVICE_WDM_IRP_PREPROCESS(WDFDEVICE Device, PIRP Irp);
#define WdfDeviceInitAssignWdmIrpPreprocessCallback(i, e, mj, mn, n) WDFCALL(WdfDeviceInitAssignWdmIrpPreprocessCallback, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, EVT_WDFDEVICE_WDM_IRP_PREPROCESS *, UCHAR, PUCHAR, ULONG))(WdfDriverGlobals, i, e, mj, mn, n)
#define WdfDeviceWdmDispatchPreprocessedIrp(d, irp) WDFCALL(WdfDeviceWdmDispatchPreprocessedIrp, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PIRP))(WdfDriverGlobals, d, irp)
#define WdfDeviceInitSetIoTypeEx(i, c) WDFCALL(WdfDeviceInitSetIoTypeEx, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PWDF_IO_TYPE_CONFIG))(WdfDriverGlobals, i, c)
typedef VOID NTAPI EVT_WDF_REQUEST_CANCEL(WDFREQUEST Request);
typedef EVT_WDF_REQUEST_CANCEL *PFN_WDF_REQUEST_CANCEL;
#define WdfDriverGetRegistryPath(d) WDFCALL(WdfDriverGetRegistryPath, PWSTR (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDRIVER))(WdfDriverGlobals, d)
#define WdfDeviceConfigureRequestDispatching(d, q, t) WDFCALL(WdfDeviceConfigureRequestDispatching, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, WDFQUEUE, ULONG))(WdfDriverGlobals, d, q, t)
#define WdfDeviceInitAssignSDDLString(i, s) WDFCALL(WdfDeviceInitAssignSDDLString, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, PCUNICODE_STRING))(WdfDriverGlobals, i, s)
#define WdfDeviceInitSetCharacteristics(i, c, o) WDFCALL(WdfDeviceInitSetCharacteristics, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDFDEVICE_INIT, ULONG, BOOLEAN))(WdfDriverGlobals, i, c, o)
DECLARE_HANDLE(WDFKEY);
#define PLUGPLAY_REGKEY_DEVICE 1
#define PLUGPLAY_REGKEY_DRIVER 2
#define WdfDeviceOpenRegistryKey(d, t, a, at, k) WDFCALL(WdfDeviceOpenRegistryKey, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, ULONG, ACCESS_MASK, PWDF_OBJECT_ATTRIBUTES, WDFKEY *))(WdfDriverGlobals, d, t, a, at, k)
#define WdfRegistryQueryULong(k, n, v) WDFCALL(WdfRegistryQueryULong, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY, PCUNICODE_STRING, PULONG))(WdfDriverGlobals, k, n, v)
#define WdfRegistryClose(k) WDFCALL(WdfRegistryClose, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFKEY))(WdfDriverGlobals, k)
#define WdfWaitLockCreate(a, l) WDFCALL(WdfWaitLockCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_OBJECT_ATTRIBUTES, WDFWAITLOCK *))(WdfDriverGlobals, a, l)
#define WdfWaitLockAcquire(l, t) WDFCALL(WdfWaitLockAcquire, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFWAITLOCK, PLONGLONG))(WdfDriverGlobals, l, t)
#define WdfWaitLockRelease(l) WDFCALL(WdfWaitLockRelease, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFWAITLOCK))(WdfDriverGlobals, l)
#define WdfSpinLockCreate(a, l) WDFCALL(WdfSpinLockCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_OBJECT_ATTRIBUTES, WDFSPINLOCK *))(WdfDriverGlobals, a, l)
#define WdfSpinLockAcquire(l) WDFCALL(WdfSpinLockAcquire, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFSPINLOCK))(WdfDriverGlobals, l)
#define WdfSpinLockRelease(l) WDFCALL(WdfSpinLockRelease, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFSPINLOCK))(WdfDriverGlobals, l)
#define WdfCollectionCreate(a, c) WDFCALL(WdfCollectionCreate, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, PWDF_OBJECT_ATTRIBUTES, WDFCOLLECTION *))(WdfDriverGlobals, a, c)
#define WdfCollectionGetCount(c) WDFCALL(WdfCollectionGetCount, ULONG (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCOLLECTION))(WdfDriverGlobals, c)
#define WdfCollectionAdd(c, o) WDFCALL(WdfCollectionAdd, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCOLLECTION, WDFOBJECT))(WdfDriverGlobals, c, o)
#define WdfCollectionRemove(c, o) WDFCALL(WdfCollectionRemove, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCOLLECTION, WDFOBJECT))(WdfDriverGlobals, c, o)
#define WdfCollectionRemoveItem(c, i) WDFCALL(WdfCollectionRemoveItem, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCOLLECTION, ULONG))(WdfDriverGlobals, c, i)
#define WdfCollectionGetItem(c, i) WDFCALL(WdfCollectionGetItem, WDFOBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCOLLECTION, ULONG))(WdfDriverGlobals, c, i)
#define WdfCollectionGetFirstItem(c) WDFCALL(WdfCollectionGetFirstItem, WDFOBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCOLLECTION))(WdfDriverGlobals, c)
#define WdfCollectionGetLastItem(c) WDFCALL(WdfCollectionGetLastItem, WDFOBJECT (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFCOLLECTION))(WdfDriverGlobals, c)
#define WdfObjectAllocateContext(o, a, c) WDFCALL(WdfObjectAllocateContext, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFOBJECT, PWDF_OBJECT_ATTRIBUTES, PVOID *))(WdfDriverGlobals, o, a, c)
#define WdfObjectContextGetObject(c) WDFCALL(WdfObjectContextGetObject, WDFOBJECT (FASTCALL *)(PWDF_DRIVER_GLOBALS, PVOID))(WdfDriverGlobals, c)
#define WdfRequestMarkCancelable(r, e) WDFCALL(WdfRequestMarkCancelable, VOID (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PFN_WDF_REQUEST_CANCEL))(WdfDriverGlobals, r, e)
#define WdfRequestMarkCancelableEx(r, e) WDFCALL(WdfRequestMarkCancelableEx, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST, PFN_WDF_REQUEST_CANCEL))(WdfDriverGlobals, r, e)
#define WdfRequestUnmarkCancelable(r) WDFCALL(WdfRequestUnmarkCancelable, NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST))(WdfDriverGlobals, r)
#define WdfRequestIsCanceled(r) WDFCALL(WdfRequestIsCanceled, BOOLEAN (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST))(WdfDriverGlobals, r)
#define WdfRequestWdmGetIrp(r) WDFCALL(WdfRequestWdmGetIrp, PIRP (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFREQUEST))(WdfDriverGlobals, r)

#define WDF_NO_OBJECT_ATTRIBUTES NULL
#define WDF_NO_HANDLE NULL

FORCEINLINE VOID WDF_DRIVER_CONFIG_INIT(PWDF_DRIVER_CONFIG c, PFN_WDF_DRIVER_DEVICE_ADD add) {
    RtlZeroMemory(c, sizeof(*c)); c->Size = sizeof(*c); c->EvtDriverDeviceAdd = add;
}
FORCEINLINE VOID WDF_PNPPOWER_EVENT_CALLBACKS_INIT(PWDF_PNPPOWER_EVENT_CALLBACKS c) {
    RtlZeroMemory(c, sizeof(*c)); c->Size = sizeof(*c);
}
FORCEINLINE VOID WDF_FILEOBJECT_CONFIG_INIT(PWDF_FILEOBJECT_CONFIG c, PFN_WDF_DEVICE_FILE_CREATE create, PFN_WDF_FILE_CLOSE close, PFN_WDF_FILE_CLEANUP cleanup) {
    RtlZeroMemory(c, sizeof(*c)); c->Size = sizeof(*c); c->EvtDeviceFileCreate = create; c->EvtFileClose = close; c->EvtFileCleanup = cleanup;
    c->AutoForwardCleanupClose = WdfUseDefault; c->FileObjectClass = WdfFileObjectWdfCannotUseFsContexts;
}
FORCEINLINE VOID WDF_OBJECT_ATTRIBUTES_INIT(PWDF_OBJECT_ATTRIBUTES a) {
    RtlZeroMemory(a, sizeof(*a)); a->Size = sizeof(*a);
    a->ExecutionLevel = WdfExecutionLevelInheritFromParent; a->SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
}
FORCEINLINE VOID WDF_TIMER_CONFIG_INIT(PWDF_TIMER_CONFIG c, PFN_WDF_TIMER f) {
    RtlZeroMemory(c, sizeof(*c)); c->Size = sizeof(*c); c->EvtTimerFunc = f; c->AutomaticSerialization = TRUE;
}
FORCEINLINE VOID WDF_TIMER_CONFIG_INIT_PERIODIC(PWDF_TIMER_CONFIG c, PFN_WDF_TIMER f, ULONG period) {
    WDF_TIMER_CONFIG_INIT(c, f); c->Period = period;
}
FORCEINLINE LONGLONG WDF_REL_TIMEOUT_IN_MS(ULONGLONG ms) { return -(LONGLONG)(ms * 10000); }
FORCEINLINE VOID WDF_REQUEST_SEND_OPTIONS_INIT(PWDF_REQUEST_SEND_OPTIONS o, ULONG flags) {
    RtlZeroMemory(o, sizeof(*o)); o->Size = sizeof(*o); o->Flags = flags;
}
FORCEINLINE VOID WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(PWDF_IO_QUEUE_CONFIG c, WDF_IO_QUEUE_DISPATCH_TYPE t) {
    RtlZeroMemory(c, sizeof(*c)); c->Size = sizeof(*c); c->DispatchType = t; c->PowerManaged = 2; c->DefaultQueue = TRUE;
}

/* Bind to the framework as the WdfDriverEntry stub does (KMDF 1.33 table size); defined once. */
NTSTATUS KmdllWdfBind(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
VOID KmdllWdfUnbind(PUNICODE_STRING RegistryPath);

#ifdef KMDFMIN_STUB
WDFFUNC *WdfFunctions;
PWDF_DRIVER_GLOBALS WdfDriverGlobals;
static WDF_BIND_INFO KmdllBindInfo;
NTSTATUS KmdllWdfBind(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    KmdllBindInfo.Size = sizeof(KmdllBindInfo);
    KmdllBindInfo.Component = L"KmdfLibrary";
    KmdllBindInfo.Version.Major = 1;
    KmdllBindInfo.Version.Minor = 33;
    KmdllBindInfo.FuncCount = WdfFunctionTableNumEntries;
    KmdllBindInfo.FuncTable = (WDFFUNC *)&WdfFunctions;
    return WdfVersionBind(DriverObject, RegistryPath, &KmdllBindInfo, &WdfDriverGlobals);
}
VOID KmdllWdfUnbind(PUNICODE_STRING RegistryPath) {
    WdfVersionUnbind(RegistryPath, &KmdllBindInfo, WdfDriverGlobals);
}
#endif
#endif
