/**
 * Trace events (SPEC §9). Produced by the kernel model and the emulator, rendered by src/report.
 * Every event has an `event` discriminator; extra fields are welcome, these are the minimum.
 * Status values are formatted with formatStatus() ("0xC0000034").
 */
export type TraceEvent =
  | { event: "load"; module: string; path: string; by: string | null; base?: string; reason?: string }
  | { event: "call"; module: string; routine: string; arg?: string; args?: string[] }
  | { event: "return"; module: string; routine: string; status?: string; value?: string }
  | { event: "refcount"; module: string; count: number; reason?: string }
  | { event: "unload"; module: string; reason?: string }
  | { event: "dbgprint"; module: string; text: string; level?: number; component?: number }
  /**
   * A failed operation. `routine: "DriverEntry"` when DriverEntry returned the error status, with `failedCall`, the
   * last kernel call that failed in it (`routine: "DllInitialize"`: a dependency's DllInitialize, named by `missing`);
   * `refusal` names a refusal Windows makes too ("no-driver-unload").
   */
  | { event: "fail"; status: string; cause?: string; module: string; missing?: string; message?: string; routine?: string; failedCall?: { routine: string; status: string; statusName: string; site: string }; refusal?: string }
  | { event: "fault"; kind: FaultKind; module?: string; message: string; rip?: string; address?: string; [k: string]: unknown }
  | { event: "leak"; module: string; kind: "pool" | "interface" | string; [k: string]: unknown }
  | { event: "warning"; module?: string; message: string; [k: string]: unknown }
  | { event: "api"; module: string; api: string; args: string[]; ret?: string; caller?: string }
  | { event: "irp"; major: number; minor?: number; ioctl?: string; from?: string; to?: string; status?: string }
  | { event: "interface"; action: "reference" | "dereference"; count: number; [k: string]: unknown }
  // PnP manager (src/emu/pnp): a devnode's life — enumerate, add-device, start, power, query-remove, remove, problem, interface-*.
  | { event: "pnp"; action: string; device: string; [k: string]: unknown }
  | { event: "step"; step: string; [k: string]: unknown }
  /** A request of the simulation's user-mode program (open/read/write/ioctl/close) and the IRP's final IoStatus (src/kernel/io-run.ts). */
  | { event: "io"; op: "open" | "read" | "write" | "ioctl" | "close"; handle: string; status: string; information: string; completed: boolean; output?: string; [k: string]: unknown }
  /** Events a capped output left out here (`--max-events`, the HTML report's limit). */
  | { event: "omitted"; count: number; reason?: string }
  /**
   * A hardware access through the machine model (src/emu/api/machine.ts): port, PCI, memory-mapped I/O, interrupt;
   * or a privileged instruction the driver executed itself (`via: "instruction"`, `site`: in/out → kind "port",
   * rdmsr/wrmsr → "msr" with the MSR number as address, mov crN → "cr" with N as address; src/emu/verifier/insn.ts); a page-table entry a driver changed → "pte" (src/emu/machine/paging-views.ts);
   * an x86 service table entry → "ssdt" (src/emu/ssdt-x86.ts); a process taken out of / put back in ActiveProcessLinks → "process-list" (src/emu/process-links.ts).
   */
  | { event: "hardware"; module: string; kind: "port" | "pci" | "mmio" | "physical" | "interrupt" | "msr" | "cr" | "pte" | "ssdt" | "process-list"; op: string; address: string; size?: number; value?: string; [k: string]: unknown }
  /** A notify routine / callback registered, removed, invoked or left registered (src/emu/api/notify.ts). */
  | { event: "callback"; module: string; action: "register" | "unregister" | "invoke" | "left-registered"; kind: string; routine: string; [k: string]: unknown }
  /** An error log entry written with IoWriteErrorLogEntry. */
  | { event: "errorlog"; module: string; errorCode: string; [k: string]: unknown }
  /** A file operation on the sandboxed volume (src/emu/api/file.ts). */
  | { event: "file"; module: string; op: string; path: string; status?: string; [k: string]: unknown }
  /** A Driver Verifier rule broken (src/emu/verifier): level "error" fails call and sim. */
  | { event: "verifier"; level: "error" | "warning"; rule: string; message: string; module?: string; site?: string; bugcheck?: string; parameters?: string[]; backtrace?: string[] }
  | { event: "end"; modules: { module: string; count: number }[]; [k: string]: unknown };

export type FaultKind =
  | "invalid-read"
  | "invalid-write"
  | "invalid-fetch"
  | "unimplemented-api"
  /** Guest code needs machine state kmdll does not model (x86 page tables, ARM64 translation tables): the emulator's gap, not the driver's crash. */
  | "emulator-gap"
  | "bugcheck"
  | "stack-overflow"
  | "timeout"
  | "double-free"
  | "foreign-free"
  | "use-after-free"
  | "cpu-exception"
  | "internal"
  /** A wait or lock acquisition that can never be satisfied (single emulated thread). */
  | "deadlock";

export type EventSink = (e: TraceEvent) => void;

/**
 * A verifier finding that fails a run (`kmdll call` and `kmdll sim` exit 1): a leak (pool,
 * interface reference, handle, object) or an error-level `verifier` event. A pool block a kernel
 * routine allocated for the driver (leak event with `by` and level "warning") is reported but is
 * not a finding: Driver Verifier tracks only the driver's own pool calls.
 */
export function isVerifierFinding(e: TraceEvent): boolean {
  return (e.event === "leak" && e["level"] !== "warning") || (e.event === "verifier" && e.level === "error");
}
