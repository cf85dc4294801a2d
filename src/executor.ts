import type { PeImage } from "./formats/pe/types.js";

/**
 * The contract between the kernel model (loader, services) and whatever runs driver code.
 * It lives below both: src/kernel uses it, src/emu implements it with Unicorn (EmulatorExecutor),
 * and src/sim wires the two together; tests implement it with a scripted executor so the
 * loader's logic can be tested without a CPU. The kernel model decides *what* happens
 * (resolution, counts, order); the executor only maps, patches and runs.
 */
/** One call of a driver's reinitialization routine: Routine(DriverObject, Context, Count). */
export interface ReinitializationCall {
  routine: string;
  args: string[];
  run(): CallOutcome;
}

export interface Executor {
  /** Map an image into the address space (always relocated); returns its base address. */
  mapImage(module: string, image: PeImage, bytes: Uint8Array): bigint;
  /** Remove a mapped image (its pool allocations still outstanding are reported as leaks by the executor). */
  unmapImage(module: string): void;
  /**
   * Address of an export of the built-in kernel modules ("ntoskrnl.exe", "hal.dll"),
   * or null when the real kernel does not export it (the loader then fails with 0xC0000263/0xC0000262).
   */
  kernelExport(module: string, name: string | null, ordinal: number | null): bigint | null;
  /** Write a resolved address into the IAT slot at iatRva of a mapped module. */
  writeIat(module: string, iatRva: number, address: bigint): void;
  /** Call DllInitialize(PUNICODE_STRING RegistryPath); the string buffer is freed when it returns. */
  callDllInitialize(module: string, rva: number, registryPath: string): CallOutcome;
  /** Call DllUnload(void). */
  callDllUnload(module: string, rva: number): CallOutcome;
  /** Create the DRIVER_OBJECT and call DriverEntry(DriverObject, RegistryPath). */
  callDriverEntry(module: string, rva: number, serviceName: string, registryPath: string): CallOutcome;
  /** Call the DriverUnload routine DriverEntry stored in the DRIVER_OBJECT; {ok:false, reason:"no-unload"} when none. */
  callDriverUnload(module: string): CallOutcome;
  /**
   * Optional: the DriverUnload routine DriverEntry stored in the module's DRIVER_OBJECT (null when
   * none), so the kernel can refuse a stop without a misleading call event.
   */
  driverUnloadRoutine?(module: string): bigint | null;
  /**
   * Optional: what else the kernel knows about a module that set no DriverUnload (e.g. the driver
   * objects it made with IoCreateDriver), for a precise refusal message; null when nothing.
   */
  noUnloadDetail?(module: string): string | null;
  /**
   * Optional (I/O manager): the next reinitialization routine a started driver registered
   * (IoRegisterDriverReinitialization / IoRegisterBootDriverReinitialization), to be called after
   * its DriverEntry returned success; null when none is left. The kernel emits call/return around `run`.
   */
  nextReinitialization?(module: string, serviceName: string): ReinitializationCall | null;
  /** Optional: the last warning emitted during the latest DriverEntry call (a failing DriverEntry's likely cause), or null. */
  lastWarning?(): string | null;
  /** The last kernel call that returned an error status during the last DriverEntry call, or null. */
  lastFailedCall?(): FailedCall | null;
  /** Call any routine of a mapped module with integer arguments (MS x64 / cdecl). */
  callRoutine(module: string, rva: number, args: bigint[], routine: string): CallOutcome;
  /**
   * Optional (I/O manager): DeviceIoControl from user mode on a device object name — IRP_MJ_CREATE,
   * IRP_MJ_DEVICE_CONTROL, IRP_MJ_CLOSE — returning the status and the output bytes.
   */
  deviceIoControl?(device: string, code: number, input: Uint8Array, outputLength: number): IoctlOutcome;
  /**
   * Optional (I/O manager): a request from a user-mode program on a handle it names — open (IRP_MJ_CREATE
   * through the object namespace), read, write, ioctl, close (IRP_MJ_CLEANUP, IRP_MJ_CLOSE).
   */
  userIo?(request: UserIoRequest): UserIoOutcome;
  /**
   * Optional (PnP manager, src/emu/pnp): a service's DriverEntry succeeded; the devnodes waiting
   * for it get AddDevice, IRP_MN_START_DEVICE, enumeration. Returns the services the device tree
   * still needs (the kernel model starts them, which calls this again).
   */
  pnpServiceStarted?(module: string, service: string): PnpStep;
  /** Optional: a service is about to stop: its devnodes are removed; returns PnP services left without devices (stopped first). */
  pnpServiceStopping?(service: string): PnpStep;
  /** Optional: a service the device tree asked for could not be started. */
  pnpServiceFailed?(service: string, message: string, driverEntryFailed?: boolean): void;
  /** Optional: whether a devnode still waits for the service (a start the PnP manager asked for earlier may be stale). */
  pnpWants?(service: string): boolean;
  /** Optional: after a scenario step, re-enumerate bus relations drivers invalidated (IoInvalidateDeviceRelations). */
  pnpSettle?(): PnpStep;
  /** Optional: called once when a simulation ends, before its `end` event (reports leftover interface references). */
  finish?(): void;
  /** Optional: release native resources (the emulator's Unicorn engine) when the simulation is disposed. */
  close?(): void;
}

/** Result of a user-mode DeviceIoControl. */
export type IoctlOutcome =
  | { ok: true; status: number; information: bigint; output: Uint8Array; completed: boolean }
  | { ok: false; reason: "fault" | "timeout"; message: string };

/** A request from a user-mode program (the sim's open/read/write/ioctl/close steps). */
export type UserIoRequest =
  | { op: "open"; handle: string; path: string; desiredAccess?: number }
  | { op: "read"; handle: string; length: number; offset?: bigint }
  | { op: "write"; handle: string; data: Uint8Array; offset?: bigint }
  | { op: "ioctl"; handle: string; code: number; input: Uint8Array; outputLength: number; async?: boolean }
  | { op: "close"; handle: string }
  /** CancelIo: the handle's outstanding (overlapped) requests are cancelled and waited for. */
  | { op: "cancel"; handle: string }
  /** The program sleeps: the emulated clock moves on, timers fire, scheduled work runs. */
  | { op: "sleep"; milliseconds: number };

/**
 * What the request did: the status the program sees, the IRP's final IoStatus, the bytes it got
 * back (read, ioctl), and facts for reports (device, file name, transfer method, cleanup/close statuses).
 */
export type UserIoOutcome =
  | {
      ok: true;
      status: number;
      information: bigint;
      /** False when the IRP is still pending (nothing in the emulated machine completed it). */
      completed: boolean;
      output?: Uint8Array;
      facts: Record<string, string | number>;
      /** Why the request never reached a driver (bad handle, no such device...). */
      message?: string;
    }
  | { ok: false; reason: "fault" | "timeout"; message: string };
/** What the PnP manager asks of the kernel model: services to start or to stop. */
export type PnpStep = { ok: true; start: string[]; stop: string[]; vetoed?: string; reasons?: Record<string, string> } | { ok: false; reason: "fault" | "timeout"; message: string };

export type CallOutcome =
  | { ok: true; value: bigint }
  | { ok: false; reason: "fault" | "no-unload" | "timeout"; message: string };

/**
 * What the executor asks of the kernel model (e.g. for MmGetSystemRoutineAddress, which
 * must know which other drivers export a name in order to warn).
 */
export interface KernelQueries {
  /** Base names of loaded modules (besides ntoskrnl/hal) that export `name`. */
  modulesExporting(name: string): string[];
  /** Optional: ZwLoadDriver from driver code — start the service (NtLoadDriver in kernel mode, src/kernel/guest-control.ts). */
  loadDriver?(service: string, caller: string | null): GuestDriverOp;
  /** Optional: ZwUnloadDriver from driver code — stop the service (NtUnloadDriver). */
  unloadDriver?(service: string, caller: string | null): GuestDriverOp;
}

/** What a service start/stop asked by driver code came to: its status; `crashed` when the machine crashed meanwhile. */
export interface GuestDriverOp {
  status: number;
  crashed: boolean;
  message?: string;
}

/** The last failed kernel call of a DriverEntry: the words, and its parts for scripts (sim --json, triage). */
export interface FailedCall {
  /** "ZwQueryValueKey(...) → 0xC0000034 STATUS_OBJECT_NAME_NOT_FOUND (called from x.sys+0x1ccf)". */
  text: string;
  /** The routine, as the trace names it ("ntoskrnl!ZwQueryValueKey"). */
  routine: string;
  /** The status it returned, formatted ("0xC0000034"). */
  status: string;
  /** Its ntstatus.h name ("STATUS_OBJECT_NAME_NOT_FOUND"). */
  statusName: string;
  /** Where the driver called it ("x.sys+0x1ccf"). */
  site: string;
}
