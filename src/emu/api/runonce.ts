/**
 * RTL_RUN_ONCE (the "rtlx" family; examples/api-rank checks it from C on x64 and x86).
 *
 * RtlRunOnceInitialize / RtlRunOnceExecuteOnce (ntddk.h; Learn nf-ntddk-rtlrunonceinitialize,
 *   nf-ntddk-rtlrunonceexecuteonce, RunOnceInitialization callback): RTL_RUN_ONCE is one
 *   pointer; its low RTL_RUN_ONCE_CTX_RESERVED_BITS (2) bits are the state — 0 not run, 1 being
 *   run, 2 done (the context in the upper bits), 3 being run asynchronously (the encoding Wine's
 *   ntdll uses; the values are not documented). ExecuteOnce calls InitFn(RunOnce, Parameter,
 *   Context) the first time only; TRUE: the context it stored (low 2 bits clear, else
 *   STATUS_INVALID_PARAMETER as RtlRunOnceComplete answers) is kept and every later call gets
 *   it in *Context with STATUS_SUCCESS; FALSE: STATUS_UNSUCCESSFUL and the structure is not run,
 *   so a later call tries again (RTL_RUN_ONCE_INIT_FAILED). Entered again while InitFn runs (the
 *   same structure): it would wait for itself — a deadlock fault. A structure in asynchronous
 *   initialisation: STATUS_INVALID_PARAMETER.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";

const RUN_ONCE_IDLE = 0n, RUN_ONCE_RUNNING = 1n, RUN_ONCE_DONE = 2n, RUN_ONCE_ASYNC = 3n;

function runOnceExecute(ctx: ApiContext): number {
  const [once, init, parameter, context] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(once), hex(init), hex(parameter), hex(context)]);
  const value = readPtr(ctx.mem, once);
  const state = value & 3n;
  if (state === RUN_ONCE_DONE) {
    if (context !== 0n) writePtr(ctx.mem, context, value & ~3n);
    return STATUS.SUCCESS;
  }
  if (state === RUN_ONCE_ASYNC) return STATUS.INVALID_PARAMETER;
  if (state === RUN_ONCE_RUNNING) return ctx.fault("deadlock", `RtlRunOnceExecuteOnce(${hex(once)}): the structure's initialisation is running (InitFn entered it again) — the call waits for itself`, { selfDeadlock: true });
  writePtr(ctx.mem, once, RUN_ONCE_RUNNING);
  const ok = (ctx.callGuest(init, [once, parameter, context]) & 0xffffffffn) !== 0n;
  if (!ok) {
    writePtr(ctx.mem, once, RUN_ONCE_IDLE);
    return STATUS.UNSUCCESSFUL;
  }
  const data = context === 0n ? 0n : readPtr(ctx.mem, context);
  if ((data & 3n) !== 0n) {
    writePtr(ctx.mem, once, RUN_ONCE_IDLE);
    return STATUS.INVALID_PARAMETER;
  }
  writePtr(ctx.mem, once, data | RUN_ONCE_DONE);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  nt("RtlRunOnceInitialize", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    writePtr(ctx.mem, ctx.arg(0), RUN_ONCE_IDLE);
  }),
  nt("RtlRunOnceExecuteOnce", 4, runOnceExecute),
];
