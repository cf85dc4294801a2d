/** Processes and threads: the emulated system thread of the System process (PID 4); other processes: processes.ts. */
import type { ApiContext, ApiDefinition } from "./types.js";
import { EMULATED_VERSION } from "./rtl.js";
import { currentThread } from "./ke.js";
import { nt } from "./util.js";
import { attachedProcess } from "./process.js";
import { processByObject } from "./processes.js";

/** PID of the System process; TID of the emulated system worker thread. */
export const SYSTEM_PID = 4n;
export const SYSTEM_TID = 8n;

/** The current process as PsGetCurrentProcess gives it: KTHREAD.ApcState.Process, the attached process while attached. */
export function currentProcess(ctx: ApiContext): bigint {
  if (ctx.kernel.currentProcess !== undefined) return attachedProcess(ctx);
  ctx.warn("no EPROCESS in this emulator configuration; returning a placeholder pointer");
  return 0xfffff80200002000n;
}

export const apis: ApiDefinition[] = [
  nt("PsGetCurrentProcessId", 0, () => SYSTEM_PID),
  nt("PsGetCurrentThreadId", 0, () => SYSTEM_TID),
  nt("PsGetCurrentProcess", 0, (ctx) => currentProcess(ctx)),
  nt("PsGetCurrentThread", 0, (ctx) => currentThread(ctx)),
  nt("PsGetProcessId", 1, (ctx) => (ctx.arg(0) === ctx.kernel.currentProcess ? SYSTEM_PID : BigInt(processByObject(ctx.kernel, ctx.mem, ctx.arg(0))?.pid ?? 0))),
  nt("PsGetThreadId", 1, (ctx) => (ctx.arg(0) === currentThread(ctx) ? SYSTEM_TID : 0n)),
  nt("PsIsSystemThread", 1, () => 1),
  nt("PsGetCurrentProcessSessionId", 0, () => 0),
  nt("PsGetVersion", 4, (ctx) => {
    const [maj, min, build, csd] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    if (maj !== 0n) ctx.mem.setU32(maj, EMULATED_VERSION.major);
    if (min !== 0n) ctx.mem.setU32(min, EMULATED_VERSION.minor);
    if (build !== 0n) ctx.mem.setU32(build, EMULATED_VERSION.build);
    if (csd !== 0n) ctx.mem.setU16(csd, 0); // empty CSDVersion: Length 0
    return 0; // FALSE: a free (retail) build
  }),
];
