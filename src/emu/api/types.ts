/**
 * The contract between the emulator core (src/emu/*.ts: Unicorn, address space, dispatcher)
 * and the API handlers (src/emu/api/<component>.ts) that implement ntoskrnl/HAL exports.
 *
 * A handler receives an ApiContext when guest code calls the import, and returns the value
 * for RAX (or nothing for VOID routines). Handlers never touch Unicorn directly.
 */

/** Guest memory as handlers see it. Every access to unmapped memory throws a GuestFault. */
export interface GuestMemory {
  read(addr: bigint, size: number): Uint8Array;
  write(addr: bigint, data: Uint8Array): void;
  u8(addr: bigint): number;
  u16(addr: bigint): number;
  u32(addr: bigint): number;
  u64(addr: bigint): bigint;
  setU8(addr: bigint, v: number): void;
  setU16(addr: bigint, v: number): void;
  setU32(addr: bigint, v: number): void;
  setU64(addr: bigint, v: bigint): void;
  /** NUL-terminated 8-bit string (Latin-1), at most maxLen bytes. */
  cstring(addr: bigint, maxLen?: number): string;
  /** NUL-terminated UTF-16LE string, at most maxChars characters. */
  wstring(addr: bigint, maxChars?: number): string;
  /** Whether [addr, addr+size) is mapped (readable). */
  isMapped(addr: bigint, size?: number): boolean;
}

/** Pool allocator as the handlers see it (ExAllocatePool*, ExFreePool*). */
export interface PoolServices {
  /** Allocate `size` bytes of pool for the module calling; returns 0n on failure. */
  allocate(size: number, tag: number, poolType: number, zero: boolean): bigint;
  /**
   * Free; reports double free / foreign pointer / tag mismatch itself. `arg`: the call argument
   * `addr` came from, when it is one (lets the pool find the block from the register's 32-bit
   * halves, without BigInt arithmetic); `addr` null: the address is argument `arg` itself (no
   * BigInt made for it).
   */
  free(addr: bigint | null, tag: number | null, arg?: number): void;
}

/** One trace detail attached to an API call (shown by `kmdll call --trace`). */
export type ArgDisplay = string;

export interface ApiContext {
  /** "ntoskrnl.exe!DbgPrint" */
  readonly api: string;
  /** The i-th integer argument (MS x64: RCX, RDX, R8, R9, then the stack). */
  arg(i: number): bigint;
  /** The i-th argument truncated to 32 bits (unsigned / signed). */
  u32(i: number): number;
  i32(i: number): number;
  /** Bits 32-63 of the i-th argument (unsigned): with `u32(i)`, a 64-bit argument without a BigInt. */
  hi32(i: number): number;
  readonly mem: GuestMemory;
  readonly pool: PoolServices;
  /** The module and RVA that called this API, e.g. { module: "mydriver.sys", rva: 0x1023 }. */
  readonly caller: { module: string; rva: number } | null;
  /** Run a guest routine (nested emulation) and return its RAX, e.g. a completion routine. */
  /** cdecl: the callback is cdecl by contract (qsort's comparator), not stdcall like the kernel's other callbacks (x86). */
  callGuest(address: bigint, args: bigint[], cdecl?: boolean): bigint;
  /**
   * Record how the arguments should be shown in the trace (decoded strings, tags). A function is
   * called only when the call is traced (for routines called in hot loops).
   */
  describe(args: ArgDisplay[] | (() => ArgDisplay[])): void;
  /**
   * False when calls are not traced: a handler called in hot loops may then skip `describe` (and
   * the closure it would make). Absent (unit-test fakes): treat as tracing.
   */
  readonly tracing?: boolean;
  /** Emit a DbgPrint line for the calling module. */
  dbgPrint(text: string, level?: number, component?: number): void;
  /** Emit a warning event. */
  warn(message: string, extra?: Record<string, unknown>): void;
  /** Stop emulation with a fault report (KeBugCheckEx, misuse that would crash Windows). */
  fault(kind: import("../../events.js").FaultKind, message: string, extra?: Record<string, unknown>): never;
  /** Shared mutable state of the emulated kernel (IRQL, registry, objects...). */
  readonly kernel: KernelState;
  /**
   * The CPU at the call, for routines with a register contract beyond the arguments (__chkstk
   * takes its size in RAX; exception dispatch captures the caller's context). RSP points at the
   * return address. Optional: absent in unit-test fakes.
   */
  readonly cpu?: CpuAccess;
  /** Structured exception handling (raise from the caller's context, unwind); optional: absent in unit-test fakes. */
  readonly seh?: SehServices;
}

/** What the exception routines need of the emulator (src/emu/seh.ts). Raising never returns normally. */
export interface SehServices {
  /** Raise an exception at the caller (dispatch to its handlers); KMODE_EXCEPTION_NOT_HANDLED when none takes it. */
  raise(code: number, flags: number, params: bigint[], origin?: string): never;
  /** RtlRaiseException: raise the EXCEPTION_RECORD at `record`. */
  raiseRecord(record: bigint): never;
  /** RtlCaptureContext: the caller's CONTEXT at `at`. */
  captureContext(at: bigint): void;
  /** RtlLookupFunctionEntry: image base and the RUNTIME_FUNCTION's guest address, or null. */
  lookup(pc: bigint): { base: bigint; entry: bigint } | null;
  /** RtlVirtualUnwind on the CONTEXT at ctxPtr (updated); the frame's handler, its data and the establisher frame. */
  virtualUnwind(handlerType: number, base: bigint, pc: bigint, entry: bigint, ctxPtr: bigint): { handler: bigint | null; handlerData: bigint; establisher: bigint };
  /** RtlUnwindEx: never returns. */
  unwindEx(targetFrame: bigint, targetIp: bigint, record: bigint, returnValue: bigint, ctxPtr: bigint): never;
  /** __C_specific_handler: the EXCEPTION_DISPOSITION. */
  cSpecificHandler(record: bigint, establisher: bigint, ctxPtr: bigint, dispatcherContext: bigint): bigint;
  /** x86 only (frame-based SEH, src/emu/seh-x86.ts): the routines of the FS:[0] registration chain. */
  x86?: {
    /** _except_handler3: the EXCEPTION_DISPOSITION (an accepted exception never returns). */
    exceptHandler3(record: bigint, registration: bigint, ctxPtr: bigint): bigint;
    /** RtlUnwind / _global_unwind2: unwind the records above `target` (0: all), then return. */
    unwind(target: bigint, record: bigint): void;
    /** _local_unwind2: the frame's __finally blocks out to `stopLevel`. */
    localUnwind(registration: bigint, stopLevel: number): void;
    abnormalTermination(): number;
  };
}

/** General-purpose registers by name (RAX..R15, RIP, EFLAGS). */
export type RegName = "RAX" | "RCX" | "RDX" | "RBX" | "RSP" | "RBP" | "RSI" | "RDI" | "R8" | "R9" | "R10" | "R11" | "R12" | "R13" | "R14" | "R15" | "RIP" | "EFLAGS";

export interface CpuAccess {
  /** The instruction set of the caller (the handlers that read registers directly differ per arch). */
  readonly arch?: "x64" | "x86" | "arm64";
  get(reg: RegName): bigint;
  /**
   * Return to the caller at `pc` with the stack pointer `sp` and the other registers as they are,
   * instead of through the routine's stub (x86 `_chkstk`/`_alloca_probe`, which lower ESP). Never returns.
   */
  resumeAt?(pc: bigint, sp: bigint): never;
}

/**
 * State that lives across API calls. Components declare theirs with `componentState` (./state.ts:
 * typed, declared once, stored through `state()`), so that handlers stay in one file per component.
 * The core services below are all provided by the emulator (src/emu/kernel-state.ts); they are
 * optional only so that test fakes (test/api-fake.ts) can leave them out, and handlers degrade
 * with a warning when they are absent.
 */
export interface KernelState {
  irql: number;
  /** Per-component state, created lazily: state<T>("ke", () => ({...})). */
  state<T>(component: string, init: () => T): T;

  /**
   * Address of an export of ntoskrnl.exe then hal.dll in guest memory (the in-guest export
   * directories), or null. Used by MmGetSystemRoutineAddress. The in-guest ntoskrnl export
   * directory should contain every implemented handler name too (e.g. ExAllocatePool2, which
   * mingw's import library lacks), so drivers can find them at run time.
   */
  resolveKernelExport?(name: string): bigint | null;
  /** Address of an export of any built-in module ("wdf01000.sys" thunks for the KMDF function table), or null. */
  moduleExport?(module: string, name: string): bigint | null;
  /** Base names of other loaded modules (not ntoskrnl/hal) that export `name` (KernelQueries). */
  modulesExporting?(name: string): string[];
  /** Guest address of the current (system) EPROCESS and KTHREAD the KPCR points at. */
  currentProcess?: bigint;
  currentThread?: bigint;
  /**
   * The deterministic clock behind KUSER_SHARED_DATA: system time / interrupt time in 100 ns
   * units. `advance` moves it (KeDelayExecutionThread, KeStallExecutionProcessor) and should
   * update KUSER_SHARED_DATA's SystemTime, InterruptTime and TickCount.
   */
  clock?: { systemTime(): bigint; interruptTime(): bigint; advance(delta100ns: bigint): void };
  /** Whether `address` lies inside a mapped image / pool / stack (MmIsAddressValid); default mem.isMapped. */
  isValidKernelAddress?(address: bigint): boolean;

  /** Emit any trace event (irp, interface, leak...). */
  emit?(e: import("../../events.js").TraceEvent): void;
  /** "mydriver.sys+0x1023" for a guest address, or the raw address. */
  where?(address: bigint): string;
  /** Base name of the module containing `address` ("ntoskrnl.exe" for kernel routines), or null. */
  moduleAt?(address: bigint): string | null;
  /** The driver module whose code is running (the caller of the kernel routine in progress, or the innermost driver routine), or null. */
  driverInProgress?(): string | null;
  /** The kernel routine running now and its caller ("ZwCreateFile from x.sys+0x1234"), or null. */
  callSite?(): string | null;
  /** Pool owned by the kernel itself (device/file objects, IRPs): never charged to a driver. */
  kernelPool?: { allocate(size: number, tag: number): bigint; free(address: bigint): void };
  /** Report a Driver Verifier finding (src/emu/verifier; no-op with --verifier none). Site: the API's caller. */
  verify?(f: import("../verifier/index.js").FindingInput): void;
  /** The --verifier mode ("none" | "standard" | "all"). */
  verifierMode?: import("../verifier/index.js").VerifierMode;
  /** The modules mapped in the emulated address space, ntoskrnl.exe and hal.dll first (ZwQuerySystemInformation). */
  loadedModules?(): { name: string; base: bigint; size: number; builtin: boolean }[];
  /** Keep the PAGE* image section holding the address resident at any IRQL, or not (MmLockPagable*Section). */
  lockPageable?(address: bigint, locked: boolean): void;
  /**
   * Register an internal (unexported) kernel routine and return its guest address (idempotent by
   * name). argc: how many arguments drivers pass it (x86 callers use stdcall: the routine pops them).
   */
  internalRoutine?(name: string, handler: ApiHandler, argc?: number, module?: string): bigint;
  /**
   * Pages of the user address space (ZwAllocateVirtualMemory and friends, api/vm.ts): map
   * zero-filled, change CPU permissions (read 1, write 2, exec 4), unmap; `highest` is
   * MmHighestUserAddress; `isMapped` whether anything is mapped in a range.
   */
  /**
   * Second system mappings of guest pages (MmMapLockedPagesSpecifyCache, src/emu/sysmap.ts):
   * `alias` gives a new VA over [src, src+size) with UC_PROT_* rights, or null when that memory
   * cannot be aliased; absent in test fakes.
   */
  systemMappings?: { alias(src: bigint, size: number, perms: number): bigint | null; has(va: bigint): boolean; protect(va: bigint, perms: number): boolean; unmap(va: bigint): boolean };
  /** Context-switched system threads (src/emu/threads.ts); absent in test fakes (threads then run to completion). */
  threads?: ThreadHost;
  userPages?: { highest: bigint; /** The kernel's KUSER_SHARED_DATA, shown read-only at MM_SHARED_USER_DATA_VA in the user space. */ sharedData?: bigint; map(addr: bigint, size: number, perms: number): void; protect(addr: bigint, size: number, perms: number): void; unmap(addr: bigint, size: number): void; isMapped(addr: bigint, size: bigint): boolean };
}

/** The CPU side of one system thread: its start routine, its stack slot and, while parked, its saved registers. */
export interface ThreadCpu {
  start: bigint;
  arg: bigint;
  /** All the start routine's arguments, when it takes more than one (a work item's routine). */
  args?: bigint[];
  slot?: number;
  /** Guest call depth the thread's own code runs at while it runs (a wait there can park it). */
  depth?: number;
  saved?: { regs: bigint[]; pc: bigint };
  /** Set while the run ends because the thread parked or ended in a kernel routine. */
  switched?: "park" | "exit";
}
export type ThreadSlice = { kind: "exited"; value: bigint } | { kind: "parked" };
export interface ThreadHost {
  maxThreads: number;
  /** Guest calls in progress now. */
  depth(): number;
  /** Run the thread (its start routine, or on from where it parked) until it returns, ends or parks; a fault throws. */
  run(t: ThreadCpu, label: string): ThreadSlice;
  /** Park the running thread at the kernel routine being called (exit: end it instead): the run ends when the routine returns. */
  park(t: ThreadCpu, exit: boolean): void;
  /** The value the routine it parked in returns when it resumes. */
  resumeValue(t: ThreadCpu, value: bigint): void;
  /** Give back its stack (a terminated thread). */
  release(t: ThreadCpu): void;
  setCurrentThread(kthread: bigint): void;
  /** Fill a new KTHREAD's process fields. */
  initThread(kthread: bigint): void;
  /** The KTHREAD of the flow that runs driver entry points and dispatch routines. */
  mainThread(): bigint;
}

/** A handler returns RAX (bigint or number) or nothing (VOID routines: RAX left as is). */
export type ApiHandler = (ctx: ApiContext) => bigint | number | void;

export interface ApiDefinition {
  /** "ntoskrnl.exe" or "hal.dll". */
  module: string;
  name: string;
  handler: ApiHandler;
  /** Number of arguments (for the trace and for x86 stdcall cleanup later). */
  argc?: number;
  /**
   * Arguments passed by value as 64-bit integers (LARGE_INTEGER, PHYSICAL_ADDRESS, ULONGLONG):
   * one register on x64, two stack slots on x86 (low half first); `ctx.arg(i)` gives the whole value.
   */
  wide?: readonly number[];
  /** Behaviour worth knowing (`kmdll apis`, docs/api-coverage.md). */
  notes?: string;
  /**
   * Only returns a status or a constant without doing what Windows documents: listed by
   * `kmdll apis` with "stub": true and never counted as implemented.
   */
  stub?: boolean;
  /**
   * The handler, and everything it calls, keeps no reference to its ApiContext once it returns
   * (no closure, object or list that outlives the call holds it), so the dispatcher may hand the
   * same context object to the next call at the same nesting depth instead of making one per
   * call. Only for routines called in hot loops (pool allocation and free), each checked by hand.
   */
  transientContext?: boolean;
}
