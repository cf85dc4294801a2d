/**
 * Kernel routines that take a 64-bit integer by value (LARGE_INTEGER, PHYSICAL_ADDRESS,
 * ULONGLONG, POOL_FLAGS, MM_COPY_ADDRESS), from their wdm.h/ntddk.h prototypes: routine → the
 * 0-based positions of those arguments. On x64 each is one register or stack slot; on x86 two
 * stack slots (the arch layer, src/emu/arch/cpu.ts, reads them so `ctx.arg(i)` is the whole value
 * on every arch, and a stdcall routine pops 8 bytes for each).
 */
export const WIDE_ARGS: Readonly<Record<string, readonly number[]>> = {
  ExAllocatePool2: [0], // (POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
  ExAllocatePool3: [0], // (POOL_FLAGS, SIZE_T, ULONG, PCPOOL_EXTENDED_PARAMETER, ULONG)
  ExInterlockedAddLargeInteger: [1], // (PLARGE_INTEGER Addend, LARGE_INTEGER Increment, PKSPIN_LOCK)
  ExSetTimer: [1, 2], // (PEX_TIMER, LONGLONG DueTime, LONGLONG Period, PEXT_SET_PARAMETERS)
  KeSetTimer: [1], // (PKTIMER, LARGE_INTEGER DueTime, PKDPC)
  WdfTimerStart: [2], // wdf01000: (PWDF_DRIVER_GLOBALS, WDFTIMER, LONGLONG DueTime)
  KeSetTimerEx: [1], // (PKTIMER, LARGE_INTEGER DueTime, LONG Period, PKDPC)
  NdisOpenFile: [4], // ndis.sys: (PNDIS_STATUS, PNDIS_HANDLE, PUINT, PNDIS_STRING, NDIS_PHYSICAL_ADDRESS HighestAcceptableAddress)
  NdisSetTimerObject: [1], // ndis.sys: (NDIS_HANDLE TimerObject, LARGE_INTEGER DueTime, LONG MillisecondsPeriod, PVOID FunctionContext)
  KeSetCoalescableTimer: [1], // (PKTIMER, LARGE_INTEGER DueTime, ULONG Period, ULONG TolerableDelay, PKDPC)
  RtlInt64ToUnicodeString: [0], // (ULONGLONG Value, ULONG Base, PUNICODE_STRING)
  RtlVerifyVersionInfo: [2], // (PRTL_OSVERSIONINFOEXW, ULONG TypeMask, ULONGLONG ConditionMask)
  VerSetConditionMask: [0], // (ULONGLONG ConditionMask, ULONG TypeMask, UCHAR Condition)
  MmMapIoSpace: [0], // (PHYSICAL_ADDRESS, SIZE_T, MEMORY_CACHING_TYPE)
  MmMapIoSpaceEx: [0], // (PHYSICAL_ADDRESS, SIZE_T, ULONG Protect)
  MmGetVirtualForPhysical: [0], // (PHYSICAL_ADDRESS)
  MmAllocateContiguousMemory: [1], // (SIZE_T, PHYSICAL_ADDRESS HighestAcceptableAddress)
  MmAllocateContiguousMemorySpecifyCache: [1, 2, 3], // (SIZE_T, PHYSICAL_ADDRESS Lowest, Highest, BoundaryAddressMultiple, MEMORY_CACHING_TYPE)
  MmAllocateContiguousNodeMemory: [1, 2, 3], // (SIZE_T, Lowest, Highest, BoundaryAddressMultiple, ULONG Protect, NODE_REQUIREMENT)
  MmAllocatePagesForMdl: [0, 1, 2], // (PHYSICAL_ADDRESS Low, High, Skip, SIZE_T TotalBytes)
  MmAllocatePagesForMdlEx: [0, 1, 2], // (Low, High, Skip, SIZE_T, MEMORY_CACHING_TYPE, ULONG Flags)
  MmCopyMemory: [1], // (PVOID Target, MM_COPY_ADDRESS SourceAddress (8 bytes), SIZE_T, ULONG Flags, PSIZE_T)
  SeSinglePrivilegeCheck: [0], // (LUID PrivilegeValue, KPROCESSOR_MODE PreviousMode)
  HalTranslateBusAddress: [2], // (INTERFACE_TYPE, ULONG BusNumber, PHYSICAL_ADDRESS BusAddress, PULONG AddressSpace, PPHYSICAL_ADDRESS)
  // REGHANDLE is a ULONGLONG (evntprov.h): by value in every Etw* routine that takes one.
  EtwUnregister: [0], // (REGHANDLE)
  EtwEventEnabled: [0], // (REGHANDLE, PCEVENT_DESCRIPTOR)
  EtwProviderEnabled: [0, 2], // (REGHANDLE, UCHAR Level, ULONGLONG Keyword)
  EtwWrite: [0], // (REGHANDLE, PCEVENT_DESCRIPTOR, LPCGUID ActivityId, ULONG, PEVENT_DATA_DESCRIPTOR)
  EtwWriteTransfer: [0], // (REGHANDLE, PCEVENT_DESCRIPTOR, LPCGUID, LPCGUID, ULONG, PEVENT_DATA_DESCRIPTOR)
  KeConvertAuxiliaryCounterToPerformanceCounter: [0], // (ULONG64 AuxiliaryCounterValue, PULONG64, PULONG64)
  KeConvertPerformanceCounterToAuxiliaryCounter: [0], // (ULONG64 PerformanceCounterValue, PULONG64, PULONG64)
  EtwWriteEx: [0, 2], // (REGHANDLE, PCEVENT_DESCRIPTOR, ULONG64 Filter, ULONG Flags, LPCGUID, LPCGUID, ULONG, PEVENT_DATA_DESCRIPTOR)
  EtwWriteString: [0, 2], // (REGHANDLE, UCHAR Level, ULONGLONG Keyword, LPCGUID, PCWSTR)
  EtwSetInformation: [0], // (REGHANDLE, EVENT_INFO_CLASS, PVOID, ULONG)
  // TRACEHANDLE (evntrace.h) is a ULONG64 too.
  WmiTraceMessage: [0], // (TRACEHANDLE LoggerHandle, ULONG MessageFlags, LPCGUID, USHORT MessageNumber, ...)
  WmiTraceMessageVa: [0], // (TRACEHANDLE LoggerHandle, ULONG MessageFlags, LPCGUID, USHORT MessageNumber, va_list)
  FwpmFilterDeleteById0: [1], // fwpkclnt: (HANDLE engineHandle, UINT64 id)
  _i64toa_s: [0], // (__int64, char *, size_t, int)
  _ui64toa_s: [0],
  _i64tow_s: [0],
  _ui64tow_s: [0],
  _i64toa: [0],
  _ui64toa: [0],
  _i64tow: [0],
  _ui64tow: [0],
};
