/**
 * ZwDuplicateObject across process handle tables (procctl.ts's process table): the System
 * process's table is the kernel's (the object manager's); a user process's holds what
 * ZwDuplicateObject put there (no user-mode code runs to open others). Sources may be the
 * NtCurrentProcess() / NtCurrentThread() pseudo-handles; DUPLICATE_SAME_ACCESS keeps the source's
 * access; DUPLICATE_CLOSE_SOURCE closes the source whatever the outcome (Microsoft Learn
 * ZwDuplicateObject).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import type { HandleEntry } from "./ob.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, writePtr } from "./util.js";
import { closeHandle, dereference, insertHandle, lookupHandle, reference } from "./ob.js";
import { componentState } from "./state.js";
import { currentThread } from "./ke.js";
import { processOfHandle } from "./process.js";
import { processLife } from "./processes.js";
import { emu, isSystem, OBJ_KERNEL_HANDLE, STATUS_PROCESS_IS_TERMINATING } from "./procctl.js";

const DUPLICATE_CLOSE_SOURCE = 1;
const DUPLICATE_SAME_ACCESS = 2;

// ---- handle tables ------------------------------------------------------------------------

interface Table {
  get(h: bigint): HandleEntry | undefined;
  close(h: bigint): number;
  insert(e: HandleEntry): bigint;
}
const userHandleValues = componentState("process-handle-values", () => ({ next: 0x1000n }));
function tableOf(ctx: ApiContext, process: bigint): Table | number {
  if (isSystem(ctx, process))
    return {
      get: (h) => lookupHandle(ctx.kernel, h),
      close: (h) => closeHandle(ctx, h),
      insert: (e) => insertHandle(ctx.kernel, e),
    };
  const p = emu(ctx, process);
  if (!p) return STATUS.INVALID_HANDLE;
  const life = processLife(ctx.kernel, p);
  if (life.exitStatus !== undefined) return STATUS_PROCESS_IS_TERMINATING;
  return {
    get: (h) => life.handles.get(h),
    close: (h) => {
      const e = life.handles.get(h);
      if (!e) return STATUS.INVALID_HANDLE;
      life.handles.delete(h);
      if (e.object !== undefined) dereference(ctx, e.object, "ZwDuplicateObject");
      return STATUS.SUCCESS;
    },
    insert: (e) => {
      const v = userHandleValues(ctx.kernel);
      v.next += 4n;
      life.handles.set(v.next, e);
      if (e.object !== undefined) reference(ctx, e.object, "ZwDuplicateObject");
      return v.next;
    },
  };
}


export const dupApis: ApiDefinition[] = [
  nt("ZwDuplicateObject", 7, (ctx) => {
    const [srcProcH, srcH, tgtProcH, out, access, attributes, options] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.u32(4), ctx.u32(5), ctx.u32(6)];
    ctx.describe([hex(srcProcH), hex(srcH), hex(tgtProcH), hex(out), hex(access), hex(attributes), hex(options)]);
    const srcProc = processOfHandle(ctx, srcProcH);
    if (typeof srcProc === "number") return srcProc;
    const src = tableOf(ctx, srcProc);
    if (typeof src === "number") return src;
    // The source: a pseudo-handle of the source process, or an entry of its table.
    const s = BigInt.asIntN(8 * ptrSize(), srcH);
    const entry: HandleEntry | undefined = s === -1n ? { type: "Process", object: srcProc, access: 0x1fffff, kernelHandle: false } : s === -2n ? { type: "Thread", object: currentThread(ctx), access: 0x1fffff, kernelHandle: false } : src.get(srcH);
    if (!entry) return STATUS.INVALID_HANDLE;
    const pseudo = s === -1n || s === -2n;
    let status: number = STATUS.SUCCESS;
    if (tgtProcH !== 0n || out !== 0n) {
      const tgtProc = processOfHandle(ctx, tgtProcH);
      const tgt = typeof tgtProc === "number" ? tgtProc : tableOf(ctx, tgtProc);
      if (typeof tgt === "number") status = tgt;
      else {
        // A handle whose object body is made on demand gets it now, so both handles name one object.
        if (entry.object === undefined && entry.makeObject) {
          const body = entry.makeObject(ctx);
          if (body !== 0n) entry.object = body;
        }
        const copy: HandleEntry = { type: entry.type, access: options & DUPLICATE_SAME_ACCESS ? entry.access : access, kernelHandle: (attributes & OBJ_KERNEL_HANDLE) !== 0 };
        if (entry.object !== undefined) copy.object = entry.object;
        if (entry.data !== undefined) copy.data = entry.data;
        if (entry.makeObject && entry.object === undefined) copy.makeObject = entry.makeObject;
        const h = tgt.insert(copy);
        if (out !== 0n) writePtr(ctx.mem, out, h);
      }
    }
    // DUPLICATE_CLOSE_SOURCE closes the source whatever the outcome (Learn).
    if (options & DUPLICATE_CLOSE_SOURCE && !pseudo) src.close(srcH);
    return status;
  }),
];
