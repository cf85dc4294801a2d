/**
 * What the I/O manager's routines need: guest memory, the kernel state, guest calls, warnings,
 * faults — from an API call (`envOf(ctx)`) or from "user mode" (the sim's ioctl step).
 */
import { getPtr } from "../../nt/arch-layout.js";
import type { ApiContext, GuestMemory, KernelState } from "../api/types.js";
import type { FaultKind, TraceEvent } from "../../events.js";
import { hex } from "../api/util.js";

/** What the I/O routines need: guest memory, the kernel state, guest calls, warnings, faults. */
export interface IoEnv {
  mem: GuestMemory;
  kernel: KernelState;
  /** Module sending the request ("ifclient.sys"), or "user" for user-mode requests. */
  from: string;
  callGuest(address: bigint, args: bigint[]): bigint;
  warn(message: string, extra?: Record<string, unknown>): void;
  fault(kind: FaultKind, message: string, extra?: Record<string, unknown>): never;
}

export function envOf(ctx: ApiContext): IoEnv {
  return {
    mem: ctx.mem,
    kernel: ctx.kernel,
    from: ctx.caller?.module ?? "ntoskrnl.exe",
    callGuest: (a, args) => ctx.callGuest(a, args),
    warn: (m, e) => ctx.warn(m, e),
    fault: (k, m, e) => ctx.fault(k, m, e),
  };
}

// ---------------------------------------------------------------- state

export function emit(env: IoEnv, e: TraceEvent): void {
  env.kernel.emit?.(e);
}
export function where(env: IoEnv, a: bigint): string {
  return env.kernel.where?.(a) ?? hex(a);
}
export function moduleOf(env: IoEnv, a: bigint): string | null {
  return env.kernel.moduleAt?.(a) ?? null;
}

export function kalloc(env: IoEnv, size: number, tag: number): bigint {
  const p = env.kernel.kernelPool;
  if (!p) env.fault("internal", "the emulator core provides no kernel pool (KernelState.kernelPool)");
  const a = p.allocate(size, tag);
  if (a === 0n) env.fault("internal", `kernel pool exhausted allocating ${size} bytes`);
  return a;
}
export function kfree(env: IoEnv, a: bigint): void {
  env.kernel.kernelPool?.free(a);
}

// ---------------------------------------------------------------- names

export function safeU64(mem: GuestMemory, a: bigint): bigint {
  try {
    return getPtr(mem, a);
  } catch {
    return 0n;
  }
}

/** The object manager routines take an ApiContext; they only use kernel, warn and fault. */
export function ctxLess(env: IoEnv): ApiContext {
  return {
    api: "ntoskrnl.exe!IoManager",
    arg: () => 0n,
    u32: () => 0,
    i32: () => 0,
    hi32: () => 0,
    mem: env.mem,
    pool: { allocate: () => 0n, free: () => {} },
    caller: { module: env.from, rva: 0 },
    callGuest: env.callGuest,
    describe: () => {},
    dbgPrint: () => {},
    warn: env.warn,
    fault: env.fault,
    kernel: env.kernel,
  };
}
