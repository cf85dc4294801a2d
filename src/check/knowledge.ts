/**
 * What the import rules know about the world: which DLLs are user-mode, which imported names
 * are compiler/CRT support routines the compiler emits on its own, and which kernel routine
 * replaces a common user-mode one. Pure data and lookups.
 */

// Which DLLs are user-mode (and which of them the loader refuses by name, src/nt/loader-names.ts)
// is NT knowledge shared with the graph model: src/nt/user-mode-dlls.ts.
export { LOADER_REFUSED_PREFIXES, dllBase, userModeDll, type UserModeDll } from "../nt/user-mode-dlls.js";

// ---------------------------------------------------------------------------------------------
// Compiler/CRT support routines

export type HelperKind = "stack-probe" | "stack-cookie" | "runtime-checks" | "cxx-eh" | "seh" | "int64-arith" | "float-conversion" | "pure-call";

export interface CompilerHelper {
  kind: HelperKind;
  /** What the compiler uses it for. */
  what: string;
  /** How to get rid of it or resolve it in kernel mode. */
  fix: string;
}

const HELPER_TEXT: Record<HelperKind, { what: string; fix: string }> = {
  "stack-probe": {
    what: "the stack-probe routine the compiler calls in functions whose frame exceeds a page",
    fix: "keep each function's locals under a page (move large buffers to pool memory with ExAllocatePool2/ExAllocatePoolWithTag: kernel stacks are only 12 KB on x86 and 24 KB on x64) and compile without stack probes (clang/gcc: -mno-stack-arg-probe), or link a kernel-mode library that provides it ahead of any user-mode library",
  },
  "stack-cookie": {
    what: "a /GS stack-cookie (buffer overrun check) support routine",
    fix: "link the WDK's kernel GS library (BufferOverflowFastFailK.lib or BufferOverflowK.lib) instead of the user-mode CRT, or compile without stack cookies (clang/gcc: -fno-stack-protector; MSVC: /GS-)",
  },
  "runtime-checks": {
    what: "a run-time error check (/RTC) support routine",
    fix: "build without run-time checks (MSVC: remove /RTC1, /RTCs, /RTCu; they exist only in the user-mode debug CRT)",
  },
  "cxx-eh": {
    what: "a C++ exception-handling/RTTI support routine",
    fix: "C++ exceptions and RTTI are not supported in kernel mode: compile with -fno-exceptions -fno-rtti (MSVC: /EHs-c- /GR-) and report errors with NTSTATUS",
  },
  seh: {
    what: "the structured exception handling (__try/__except) language handler",
    fix: "ntoskrnl.exe exports it: link ntoskrnl.lib (mingw: libntoskrnl.a) ahead of any user-mode library so the import binds to ntoskrnl.exe",
  },
  "int64-arith": {
    what: "a 64-bit integer arithmetic helper the x86 compiler calls for 64-bit multiply, divide and shift",
    fix: "ntoskrnl.exe exports the x86 64-bit arithmetic helpers: link ntoskrnl.lib (mingw: libntoskrnl.a) ahead of any user-mode library",
  },
  "float-conversion": {
    what: "a floating-point conversion helper",
    fix: "avoid floating point in kernel code (or bracket it with KeSaveExtendedProcessorState/KeRestoreExtendedProcessorState) and do not take the helper from a user-mode CRT",
  },
  "pure-call": {
    what: "the handler the compiler calls for a pure virtual function call",
    fix: "define _purecall in the driver (for example calling KeBugCheckEx) instead of importing it from a user-mode CRT",
  },
};

const HELPERS: [RegExp, HelperKind][] = [
  [/^(__chkstk|_chkstk|___chkstk_ms|__chkstk_ms|_alloca_probe|__alloca_probe|_alloca_probe_(8|16)|__alloca_probe_(8|16)|_alloca|__alloca|__chkstk_darwin)$/, "stack-probe"],
  [/^(__security_check_cookie|__security_init_cookie|__security_cookie|__security_cookie_complement|__GSHandlerCheck(_SEH|_EH|_EH4)?|__report_gsfailure|__report_rangecheckfailure|__stack_chk_fail|__stack_chk_guard|__stack_chk_fail_local|_except_handler4_common|__except_handler4)$/, "stack-cookie"],
  [/^_RTC_/, "runtime-checks"],
  [/^(__CxxFrameHandler\d*|__InternalCxxFrameHandler|_CxxThrowException|__CxxThrowException@8|__std_terminate|__std_exception_copy|__std_exception_destroy|__RTDynamicCast|__RTtypeid|__RTCastToVoid|__cxa_\w+|_Unwind_\w+|__gxx_personality_\w+|__CxxDetectRethrow|__CxxExceptionFilter|__CxxQueryExceptionSize|__CxxRegisterExceptionObject|__CxxUnregisterExceptionObject|__FrameUnwindFilter|__DestructExceptionObject|__uncaught_exception|__processing_throw|_CxxFrameHandler)$/, "cxx-eh"],
  [/^(__C_specific_handler|_except_handler[23]|__except_handler3|_local_unwind[24]?|_global_unwind2|__C_specific_handler_noexcept)$/, "seh"],
  [/^(_allmul|_alldiv|_allrem|_alldvrm|_aulldiv|_aullrem|_aulldvrm|_allshl|_allshr|_aullshr)$/, "int64-arith"],
  [/^(_ftol|_ftol2|_ftol2_sse|_ftoul|_dtol|_dtoul|_dtoi|_dtoui|_dtol3|_dtoul3|_dtoi3|_dtoui3|_ltod3|_ultod3|_fltused|__dtoui3|__dtol3|__ultod3|__ltod3|_CIfmod|_CIpow|_CIsqrt|_CIexp|_CIlog)$/, "float-conversion"],
  [/^_purecall$/, "pure-call"],
];

/** Strip x86 decoration from an import name for matching ("_alldiv@16" style names are not imported, but be tolerant). */
function undecorate(name: string): string {
  const at = name.indexOf("@", 1);
  return at > 0 ? name.slice(0, at) : name;
}

/**
 * The helper kind of each "_" name asked about so far (null: none). A scan asks for every name
 * every image imports, and the same CRT names ("_vsnprintf", "__C_specific_handler", …) come
 * back in image after image: one Map look-up instead of up to seven regular expressions.
 */
const kindOfName = new Map<string, HelperKind | null>();
const KIND_CACHE_MAX = 16384;

function helperKind(name: string): HelperKind | null {
  const n = undecorate(name);
  for (const [re, kind] of HELPERS) if (re.test(n)) return kind;
  return null;
}

/** The compiler/CRT support routine an imported name is, or null. */
export function compilerHelper(name: string): CompilerHelper | null {
  // Every helper name starts with "_" (a cheap test: this runs for each name a driver imports).
  if (name.charCodeAt(0) !== 0x5f) return null;
  let kind = kindOfName.get(name);
  if (kind === undefined) {
    kind = helperKind(name);
    if (kindOfName.size >= KIND_CACHE_MAX) kindOfName.clear();
    kindOfName.set(name, kind);
  }
  return kind === null ? null : { kind, ...HELPER_TEXT[kind] };
}

// ---------------------------------------------------------------------------------------------
// Kernel replacements for common user-mode routines

const REPLACEMENTS: Record<string, string> = {
  malloc: "ExAllocatePool2 (Windows 10 2004+) or ExAllocatePoolWithTag",
  calloc: "ExAllocatePool2 (zeroes the memory) or ExAllocatePoolWithTag + RtlZeroMemory",
  realloc: "ExAllocatePool2/ExAllocatePoolWithTag + RtlCopyMemory + ExFreePoolWithTag",
  free: "ExFreePoolWithTag",
  _aligned_malloc: "ExAllocatePool2 (pool blocks of a page or more are page aligned)",
  _aligned_free: "ExFreePoolWithTag",
  HeapAlloc: "ExAllocatePool2 or ExAllocatePoolWithTag",
  HeapFree: "ExFreePoolWithTag",
  HeapReAlloc: "ExAllocatePool2 + RtlCopyMemory + ExFreePoolWithTag",
  RtlAllocateHeap: "ExAllocatePool2 or ExAllocatePoolWithTag",
  RtlFreeHeap: "ExFreePoolWithTag",
  RtlReAllocateHeap: "ExAllocatePool2 + RtlCopyMemory + ExFreePoolWithTag",
  LocalAlloc: "ExAllocatePool2 or ExAllocatePoolWithTag",
  LocalFree: "ExFreePoolWithTag",
  GlobalAlloc: "ExAllocatePool2 or ExAllocatePoolWithTag",
  GlobalFree: "ExFreePoolWithTag",
  VirtualAlloc: "ExAllocatePool2 (or ZwAllocateVirtualMemory for user address space)",
  VirtualFree: "ExFreePoolWithTag (or ZwFreeVirtualMemory)",
  printf: "DbgPrint or DbgPrintEx",
  puts: "DbgPrint",
  vprintf: "vDbgPrintEx",
  fprintf: "DbgPrintEx",
  OutputDebugStringA: "DbgPrint",
  OutputDebugStringW: "DbgPrint with %ws",
  sprintf: "RtlStringCbPrintfA (ntstrsafe.h)",
  snprintf: "RtlStringCbPrintfA (ntstrsafe.h)",
  _snprintf: "RtlStringCbPrintfA (ntstrsafe.h)",
  _vsnprintf: "RtlStringCbVPrintfA (ntstrsafe.h)",
  vsnprintf: "RtlStringCbVPrintfA (ntstrsafe.h)",
  swprintf: "RtlStringCbPrintfW (ntstrsafe.h)",
  _snwprintf: "RtlStringCbPrintfW (ntstrsafe.h)",
  _vsnwprintf: "RtlStringCbVPrintfW (ntstrsafe.h)",
  wsprintfA: "RtlStringCbPrintfA (ntstrsafe.h)",
  wsprintfW: "RtlStringCbPrintfW (ntstrsafe.h)",
  strcpy: "RtlStringCbCopyA (ntstrsafe.h)",
  strcat: "RtlStringCbCatA (ntstrsafe.h)",
  wcscpy: "RtlStringCbCopyW (ntstrsafe.h)",
  wcscat: "RtlStringCbCatW (ntstrsafe.h)",
  lstrlenA: "strlen (exported by ntoskrnl.exe) or RtlStringCbLengthA",
  lstrlenW: "wcslen (exported by ntoskrnl.exe) or RtlStringCbLengthW",
  lstrcpyW: "RtlStringCbCopyW (ntstrsafe.h)",
  lstrcmpiW: "_wcsicmp (exported by ntoskrnl.exe) or RtlCompareUnicodeString",
  MultiByteToWideChar: "RtlMultiByteToUnicodeN or RtlAnsiStringToUnicodeString",
  WideCharToMultiByte: "RtlUnicodeToMultiByteN or RtlUnicodeStringToAnsiString",
  Sleep: "KeDelayExecutionThread",
  SleepEx: "KeDelayExecutionThread",
  CreateFileA: "ZwCreateFile",
  CreateFileW: "ZwCreateFile",
  ReadFile: "ZwReadFile",
  WriteFile: "ZwWriteFile",
  CloseHandle: "ZwClose",
  DeleteFileW: "ZwDeleteFile",
  DeviceIoControl: "IoBuildDeviceIoControlRequest + IoCallDriver",
  CreateEventA: "KeInitializeEvent (or ZwCreateEvent for a named event)",
  CreateEventW: "KeInitializeEvent (or ZwCreateEvent for a named event)",
  SetEvent: "KeSetEvent",
  ResetEvent: "KeClearEvent",
  WaitForSingleObject: "KeWaitForSingleObject",
  WaitForMultipleObjects: "KeWaitForMultipleObjects",
  CreateMutexW: "KeInitializeMutex or ExInitializeFastMutex",
  ReleaseMutex: "KeReleaseMutex or ExReleaseFastMutex",
  InitializeCriticalSection: "ExInitializeFastMutex, KeInitializeGuardedMutex or an ERESOURCE",
  EnterCriticalSection: "ExAcquireFastMutex or KeAcquireGuardedMutex",
  LeaveCriticalSection: "ExReleaseFastMutex or KeReleaseGuardedMutex",
  DeleteCriticalSection: "nothing (fast mutexes need no cleanup)",
  RtlInitializeCriticalSection: "ExInitializeFastMutex, KeInitializeGuardedMutex or an ERESOURCE",
  RtlEnterCriticalSection: "ExAcquireFastMutex or KeAcquireGuardedMutex",
  RtlLeaveCriticalSection: "ExReleaseFastMutex or KeReleaseGuardedMutex",
  RtlDeleteCriticalSection: "nothing (fast mutexes need no cleanup)",
  InitializeSRWLock: "ExInitializeResourceLite or ExInitializePushLock",
  AcquireSRWLockExclusive: "ExAcquireResourceExclusiveLite",
  ReleaseSRWLockExclusive: "ExReleaseResourceLite",
  GetTickCount: "KeQueryTickCount (times KeQueryTimeIncrement)",
  GetTickCount64: "KeQueryTickCount (times KeQueryTimeIncrement)",
  QueryPerformanceCounter: "KeQueryPerformanceCounter",
  QueryPerformanceFrequency: "KeQueryPerformanceCounter (its argument receives the frequency)",
  GetSystemTimeAsFileTime: "KeQuerySystemTime (or KeQuerySystemTimePrecise)",
  GetSystemTime: "KeQuerySystemTime + RtlTimeToTimeFields",
  GetLocalTime: "KeQuerySystemTime + ExSystemTimeToLocalTime + RtlTimeToTimeFields",
  time: "KeQuerySystemTime",
  rand: "RtlRandomEx",
  srand: "RtlRandomEx (keeps its own seed)",
  CreateThread: "PsCreateSystemThread",
  ExitThread: "PsTerminateSystemThread",
  GetCurrentProcessId: "PsGetCurrentProcessId",
  GetCurrentThreadId: "PsGetCurrentThreadId",
  GetCurrentProcess: "PsGetCurrentProcess (or ZwCurrentProcess() for a handle)",
  GetLastError: "the NTSTATUS the kernel routine returns",
  SetLastError: "returning an NTSTATUS",
  RegOpenKeyExA: "ZwOpenKey",
  RegOpenKeyExW: "ZwOpenKey",
  RegCreateKeyExW: "ZwCreateKey",
  RegQueryValueExA: "ZwQueryValueKey (or RtlQueryRegistryValues)",
  RegQueryValueExW: "ZwQueryValueKey (or RtlQueryRegistryValues)",
  RegSetValueExW: "ZwSetValueKey (or RtlWriteRegistryValue)",
  RegCloseKey: "ZwClose",
  LoadLibraryA: "nothing: link against the export driver's import library (the kernel loads it), or use MmGetSystemRoutineAddress for ntoskrnl/HAL routines",
  LoadLibraryW: "nothing: link against the export driver's import library (the kernel loads it), or use MmGetSystemRoutineAddress for ntoskrnl/HAL routines",
  LoadLibraryExW: "nothing: link against the export driver's import library (the kernel loads it), or use MmGetSystemRoutineAddress for ntoskrnl/HAL routines",
  GetProcAddress: "MmGetSystemRoutineAddress (ntoskrnl.exe and hal.dll only; other drivers' routines through an import library, an IOCTL or IRP_MN_QUERY_INTERFACE interface)",
  GetModuleHandleW: "nothing: kernel modules are not looked up by handle",
  FreeLibrary: "nothing: the kernel unloads an export driver when its last importer unloads",
  exit: "returning an error NTSTATUS (or KeBugCheckEx for an unrecoverable state)",
  abort: "KeBugCheckEx (or returning an error NTSTATUS)",
  ExitProcess: "returning an error NTSTATUS",
  _beginthreadex: "PsCreateSystemThread",
  fopen: "ZwCreateFile",
  fread: "ZwReadFile",
  fwrite: "ZwWriteFile",
  fclose: "ZwClose",
  getenv: "the driver's registry key (ZwOpenKey on the RegistryPath DriverEntry receives)",
  InterlockedIncrement: "InterlockedIncrement from wdm.h (a compiler intrinsic on x64; ntoskrnl.exe's InterlockedIncrement on x86)",
  InterlockedDecrement: "InterlockedDecrement from wdm.h (a compiler intrinsic on x64; ntoskrnl.exe's on x86)",
  InterlockedExchange: "InterlockedExchange from wdm.h (a compiler intrinsic on x64; ntoskrnl.exe's on x86)",
  InterlockedCompareExchange: "InterlockedCompareExchange from wdm.h (a compiler intrinsic)",
};

/** The kernel routine(s) that replace a user-mode routine, or null when none is known. */
export function kernelReplacement(name: string): string | null {
  return REPLACEMENT_MAP.get(name) ?? null;
}

/**
 * REPLACEMENTS as a Map: the rule asks for every name a driver imports from a user-mode DLL, and a
 * property lookup with a name fresh from an image's import table costs V8 a look-up in its string
 * table first (a Map hashes the name once and keeps the hash in the string).
 */
const REPLACEMENT_MAP = new Map(Object.entries(REPLACEMENTS));

export { isKnownSystemModule, isKernelApiSet } from "../nt/system-modules.js";

/** Well-known kernel modules that are not `.sys` files (always present, never counted). */
export const KERNEL_CORE_MODULES = new Set(["ntoskrnl.exe", "hal.dll"]);

/** Names DllInitialize/DllUnload (the export-driver entry points). */
export const ENTRY_POINTS = ["DllInitialize", "DllUnload"] as const;
export type EntryPointName = (typeof ENTRY_POINTS)[number];
