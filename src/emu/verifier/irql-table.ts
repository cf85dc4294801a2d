/**
 * The highest IRQL each kernel routine may be called at, from the "IRQL" line of its reference
 * page on Microsoft Learn (wdm.h / ntifs.h / ntddk.h routine pages). Routines not listed are not
 * checked. 0 = PASSIVE_LEVEL, 1 = APC_LEVEL, 2 = DISPATCH_LEVEL.
 * Driver Verifier's DDI compliance checking (IrqlZwPassive, IrqlExApcLte*, IrqlIoPassive*,
 * IrqlMmApcLte, IrqlObPassive, IrqlPsPassive, IrqlRtlPassive ...) bug checks 0xC4 on these.
 */
const PASSIVE = 0;
const APC = 1;

const TABLE: Record<string, number> = {
  // Zw*: "IRQL = PASSIVE_LEVEL" on every Zw routine page (the handle and buffers may be paged).
  ZwOpenKey: PASSIVE, ZwOpenKeyEx: PASSIVE, ZwCreateKey: PASSIVE, ZwClose: PASSIVE, ZwQueryValueKey: PASSIVE,
  ZwSetValueKey: PASSIVE, ZwDeleteKey: PASSIVE, ZwDeleteValueKey: PASSIVE, ZwEnumerateKey: PASSIVE,
  ZwEnumerateValueKey: PASSIVE, ZwQueryKey: PASSIVE, ZwFlushKey: PASSIVE, ZwCreateFile: PASSIVE, ZwOpenFile: PASSIVE,
  ZwReadFile: PASSIVE, ZwWriteFile: PASSIVE, ZwQueryInformationFile: PASSIVE, ZwSetInformationFile: PASSIVE,
  ZwQueryDirectoryFile: PASSIVE, ZwDeleteFile: PASSIVE, ZwOpenSection: PASSIVE, ZwMapViewOfSection: PASSIVE,
  ZwUnmapViewOfSection: PASSIVE, ZwCreateSection: PASSIVE, ZwQuerySystemInformation: PASSIVE,
  ZwQueryInformationProcess: PASSIVE, ZwWaitForSingleObject: PASSIVE, ZwCreateEvent: PASSIVE, ZwOpenProcess: PASSIVE,
  ZwDuplicateObject: PASSIVE, ZwQuerySymbolicLinkObject: PASSIVE, ZwOpenSymbolicLinkObject: PASSIVE,
  ZwQueryVolumeInformationFile: PASSIVE, ZwDeviceIoControlFile: PASSIVE, ZwFsControlFile: PASSIVE,
  // I/O manager
  IoGetDeviceObjectPointer: PASSIVE, IoCreateDevice: PASSIVE, IoCreateSymbolicLink: PASSIVE,
  IoDeleteSymbolicLink: PASSIVE, IoCreateUnprotectedSymbolicLink: PASSIVE, IoRegisterDeviceInterface: PASSIVE,
  IoSetDeviceInterfaceState: PASSIVE, IoOpenDeviceRegistryKey: PASSIVE, IoGetDeviceProperty: PASSIVE,
  IoRegisterPlugPlayNotification: PASSIVE, IoUnregisterPlugPlayNotification: PASSIVE, IoCreateFile: PASSIVE,
  IoRegisterShutdownNotification: PASSIVE, IoInitializeTimer: PASSIVE, IoConnectInterrupt: PASSIVE,
  IoDisconnectInterrupt: PASSIVE, IoWMIRegistrationControl: PASSIVE, IoGetDeviceInterfaces: PASSIVE,
  // Memory manager
  MmGetSystemRoutineAddress: PASSIVE, MmAllocateNonCachedMemory: PASSIVE, MmFreeNonCachedMemory: PASSIVE,
  MmFreeContiguousMemory: PASSIVE, MmMapViewInSystemSpace: PASSIVE, MmUnmapViewInSystemSpace: PASSIVE,
  MmLockPagableDataSection: APC, MmLockPagableSectionByHandle: APC, MmUnlockPagableImageSection: APC,
  // Executive: resources and fast mutexes ("IRQL <= APC_LEVEL")
  ExAcquireResourceExclusiveLite: APC, ExAcquireResourceSharedLite: APC, ExAcquireSharedStarveExclusive: APC,
  ExAcquireSharedWaitForExclusive: APC, ExAcquireFastMutex: APC, ExTryToAcquireFastMutex: APC,
  ExAcquireFastMutexUnsafe: APC, ExInitializePagedLookasideList: APC, ExUuidCreate: PASSIVE,
  KeEnterCriticalRegion: APC, KeLeaveCriticalRegion: APC, KeEnterGuardedRegion: APC, KeLeaveGuardedRegion: APC,
  // Object manager and processes
  ObReferenceObjectByHandle: APC, ObReferenceObjectByName: PASSIVE, ObOpenObjectByPointer: PASSIVE,
  PsCreateSystemThread: PASSIVE, PsTerminateSystemThread: PASSIVE, PsSetCreateProcessNotifyRoutine: PASSIVE,
  PsSetCreateProcessNotifyRoutineEx: PASSIVE, PsSetCreateThreadNotifyRoutine: PASSIVE,
  PsSetLoadImageNotifyRoutine: PASSIVE, PsRemoveLoadImageNotifyRoutine: PASSIVE, PsRemoveCreateThreadNotifyRoutine: PASSIVE,
  CmRegisterCallback: PASSIVE, CmRegisterCallbackEx: PASSIVE, CmUnRegisterCallback: PASSIVE,
  ObRegisterCallbacks: PASSIVE, ObUnRegisterCallbacks: PASSIVE,
  // Run-time library routines documented PASSIVE_LEVEL (paged code)
  RtlQueryRegistryValues: PASSIVE, RtlWriteRegistryValue: PASSIVE, RtlDeleteRegistryValue: PASSIVE,
  RtlCheckRegistryKey: PASSIVE, RtlCreateRegistryKey: PASSIVE, RtlUnicodeStringToAnsiString: PASSIVE,
  RtlAnsiStringToUnicodeString: PASSIVE, RtlFreeUnicodeString: PASSIVE, RtlFreeAnsiString: PASSIVE,
  RtlUnicodeStringToInteger: PASSIVE, RtlIntegerToUnicodeString: PASSIVE, RtlUpcaseUnicodeString: PASSIVE,
  RtlCompareUnicodeString: PASSIVE, RtlEqualUnicodeString: PASSIVE, RtlGetVersion: PASSIVE,
};

/** The highest IRQL `routine` may be called at, or null when not in the table. */
export function maxIrqlOf(routine: string): number | null {
  return TABLE[routine] ?? null;
}
