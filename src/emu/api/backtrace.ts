/**
 * RtlCaptureStackBackTrace(FramesToSkip, FramesToCapture, BackTrace, BackTraceHash) (Microsoft
 * Learn, winnt.h / ntoskrnl export): the return addresses of the calling thread's stack, the
 * caller's own (the address after its call) first; FramesToSkip of them are left out, at most
 * FramesToCapture are stored; the number stored is returned. BackTraceHash (optional) receives a
 * value for hash tables: the 32-bit sum of the stored addresses (as ReactOS's RtlCaptureStackBackTrace
 * computes it). Part of the "stack" family (api/index.ts); examples/api-rank backtrace.c checks it.
 *
 * x64: the caller's context (RtlCaptureContext) unwound frame by frame with the images' .pdata
 * (RtlLookupFunctionEntry / RtlVirtualUnwind; a function without .pdata is a leaf: its return
 * address at RSP). x86: the EBP chain ([EBP] the caller's EBP, [EBP+4] its return address), as
 * RtlWalkFrameChain walks it (code without frame pointers shows its innermost frame only). The walk
 * stops at the first address outside a driver image: kmdll's own kernel frames (the routine that
 * called DriverEntry, a dispatch) are not guest code, where Windows would list ntoskrnl's frames.
 * ARM64: no frames (0), with a warning (an emulator gap).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, writePtr } from "./util.js";

const MAX_FRAMES = 128;
const TAG = 0x6b637453; // 'Stck'

function driverCode(ctx: ApiContext, pc: bigint): boolean {
  const m = ctx.kernel.moduleAt?.(pc) ?? null;
  if (m === null) return false;
  const mod = ctx.kernel.loadedModules?.().find((x) => x.name.toLowerCase() === m.toLowerCase());
  return mod !== undefined && !mod.builtin;
}

function walk(ctx: ApiContext, limit: number): bigint[] {
  const seh = ctx.seh;
  const pool = ctx.kernel.kernelPool;
  if (!seh || !pool) {
    ctx.warn(`${ctx.api}: stack walking is modelled for x64 and x86 only: no frames (an emulator gap)`);
    return [];
  }
  const x64 = ptrSize() === 8;
  const buf = pool.allocate(x64 ? 0x4d0 : 0x2cc, TAG);
  if (buf === 0n) return [];
  const out: bigint[] = [];
  try {
    seh.captureContext(buf);
    if (x64) {
      const [RSP, RIP] = [0x98n, 0xf8n];
      for (let rip = ctx.mem.u64(buf + RIP); out.length < limit && driverCode(ctx, rip); rip = ctx.mem.u64(buf + RIP)) {
        out.push(rip);
        const hit = seh.lookup(rip);
        if (hit && hit.entry !== 0n) seh.virtualUnwind(0, hit.base, rip, hit.entry, buf);
        else {
          const rsp = ctx.mem.u64(buf + RSP);
          ctx.mem.setU64(buf + RIP, ctx.mem.u64(rsp));
          ctx.mem.setU64(buf + RSP, rsp + 8n);
        }
      }
    } else {
      let ebp = BigInt(ctx.mem.u32(buf + 0xb4n));
      const esp = BigInt(ctx.mem.u32(buf + 0xc4n));
      let pc = BigInt(ctx.mem.u32(buf + 0xb8n));
      while (out.length < limit && driverCode(ctx, pc)) {
        out.push(pc);
        if (ebp <= esp || ebp - esp > 0x100000n || !ctx.mem.isMapped(ebp, 8)) break;
        pc = BigInt(ctx.mem.u32(ebp + 4n));
        const next = BigInt(ctx.mem.u32(ebp));
        if (next <= ebp) {
          if (driverCode(ctx, pc) && out.length < limit) out.push(pc);
          break;
        }
        ebp = next;
      }
    }
  } catch {
    // An unreadable stack slot ends the walk, as Windows' walker stops at an invalid frame.
  } finally {
    pool.free(buf);
  }
  return out;
}

export const apis: ApiDefinition[] = [
  nt("RtlCaptureStackBackTrace", 4, (ctx) => {
    const [skip, count, out, hash] = [ctx.u32(0), ctx.u32(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([String(skip), String(count), hex(out), hex(hash)]);
    const frames = walk(ctx, Math.min(MAX_FRAMES, skip + count)).slice(skip, skip + count);
    frames.forEach((pc, i) => writePtr(ctx.mem, out + BigInt(i * ptrSize()), pc));
    if (hash !== 0n) ctx.mem.setU32(hash, Number(frames.reduce((a, b) => a + b, 0n) & 0xffffffffn));
    return frames.length;
  }),
];
