/**
 * The x64 unwinder of exception handling (RtlVirtualUnwind, RtlLookupFunctionEntry) over the
 * images' RUNTIME_FUNCTION / UNWIND_INFO / UNWIND_CODE data (Microsoft Learn "x64 exception
 * handling"): unwinds one frame, finds its language handler and establisher frame.
 */
import type { GuestMemory } from "./api/types.js";
import type { LoadedModule } from "./image.js";
import type { RuntimeFunction } from "../formats/pe/types.js";

/** UNW_FLAG_* (handler types of RtlVirtualUnwind). */
export const UNW_FLAG_EHANDLER = 1;
export const UNW_FLAG_UHANDLER = 2;
const UNW_FLAG_CHAININFO = 4;
const RSP = 4;

/** A CPU context: the 16 GPRs in unwind order (RAX RCX RDX RBX RSP RBP RSI RDI R8..R15), RIP, EFLAGS. */
export interface CpuContext {
  regs: bigint[];
  rip: bigint;
  eflags: bigint;
}

/** Result of unwinding one frame. */
export interface UnwindResult {
  /** The language handler (absolute address) when the frame has one of the asked type and the PC is past the prolog. */
  handler: bigint | null;
  handlerData: bigint;
  establisher: bigint;
}

/** The RUNTIME_FUNCTION covering an RVA (binary search of the sorted .pdata). */
export function functionEntry(mod: LoadedModule, rva: number): RuntimeFunction | null {
  const fns = mod.image.exceptionFunctions;
  let lo = 0;
  let hi = fns.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = fns[mid]!;
    if (rva < f.beginAddress) hi = mid - 1;
    else if (rva >= f.endAddress) lo = mid + 1;
    else return f;
  }
  return null;
}

/**
 * RtlVirtualUnwind: unwind `ctx` (in place) through the frame of `fn` at ctx.rip; report the
 * frame's language handler of the given type and its establisher frame. `assumePrologDone` treats
 * the PC as past the prolog (backtraces retry that way when a frame looks wrong).
 */
export function virtualUnwind(mem: GuestMemory, handlerType: number, base: bigint, fnIn: RuntimeFunction, ctx: CpuContext, assumePrologDone = false): UnwindResult {
  const regs = ctx.regs;
  let fn: RuntimeFunction | null = fnIn;
  let offset = Number(ctx.rip - base) - fnIn.beginAddress;
  let handler: bigint | null = null;
  let handlerData = 0n;
  let establisher = regs[RSP]!;
  for (let chain = 0; fn && chain < 32; chain++) {
    const ui: bigint = base + BigInt(fn.unwindInfoAddress);
    const head = mem.read(ui, 4);
    const flags = head[0]! >> 3;
    const prolog = head[1]!;
    const count = head[2]!;
    const frameReg = head[3]! & 0xf;
    const frameOff = BigInt((head[3]! >> 4) * 16);
    const codes = count ? mem.read(ui + 4n, count * 2) : new Uint8Array(0);
    const u16 = (i: number) => codes[i * 2]! | (codes[i * 2 + 1]! << 8);
    const inProlog = chain === 0 && offset < prolog && !assumePrologDone;
    if (chain === 0) {
      // The establisher frame: the frame register's value minus its offset once the prolog set it, else RSP.
      let fpSet = frameReg !== 0;
      if (fpSet && inProlog) {
        fpSet = false;
        for (let i = 0; i < count; ) {
          const op = codes[i * 2 + 1]! & 0xf;
          if (op === 3 && codes[i * 2]! <= offset) fpSet = true;
          i += slotsOf(op, codes[i * 2 + 1]! >> 4);
        }
      }
      establisher = fpSet ? regs[frameReg]! - frameOff : regs[RSP]!;
      if (!inProlog && flags & handlerType && !(flags & UNW_FLAG_CHAININFO)) {
        const at = ui + 4n + BigInt(((count + 1) & ~1) * 2);
        handler = base + BigInt(mem.u32(at));
        handlerData = at + 4n;
      }
    }
    for (let i = 0; i < count; ) {
      const codeOff = codes[i * 2]!;
      const op = codes[i * 2 + 1]! & 0xf;
      const info = codes[i * 2 + 1]! >> 4;
      const slots = slotsOf(op, info);
      if (!inProlog || codeOff <= offset) {
        switch (op) {
          case 0: // UWOP_PUSH_NONVOL
            regs[info] = mem.u64(regs[RSP]!);
            regs[RSP] = regs[RSP]! + 8n;
            break;
          case 1: // UWOP_ALLOC_LARGE
            regs[RSP] = regs[RSP]! + (info === 0 ? BigInt(u16(i + 1) * 8) : BigInt((u16(i + 1) | (u16(i + 2) << 16)) >>> 0));
            break;
          case 2: // UWOP_ALLOC_SMALL
            regs[RSP] = regs[RSP]! + BigInt(info * 8 + 8);
            break;
          case 3: // UWOP_SET_FPREG
            regs[RSP] = regs[frameReg]! - frameOff;
            break;
          case 4: // UWOP_SAVE_NONVOL
            regs[info] = mem.u64(regs[RSP]! + BigInt(u16(i + 1) * 8));
            break;
          case 5: // UWOP_SAVE_NONVOL_FAR
            regs[info] = mem.u64(regs[RSP]! + BigInt((u16(i + 1) | (u16(i + 2) << 16)) >>> 0));
            break;
          case 10: {
            // UWOP_PUSH_MACHFRAME: RIP and RSP from the machine frame.
            const at = regs[RSP]! + (info ? 8n : 0n);
            ctx.rip = mem.u64(at);
            regs[RSP] = mem.u64(at + 24n);
            return { handler, handlerData, establisher };
          }
          default:
            break; // XMM saves and epilog codes do not change integer state
        }
      }
      i += slots;
    }
    if (flags & UNW_FLAG_CHAININFO) {
      const at: bigint = ui + 4n + BigInt(((count + 1) & ~1) * 2);
      fn = { beginAddress: mem.u32(at), endAddress: mem.u32(at + 4n), unwindInfoAddress: mem.u32(at + 8n) };
      offset = Number.MAX_SAFE_INTEGER;
    } else fn = null;
  }
  ctx.rip = mem.u64(regs[RSP]!);
  regs[RSP] = regs[RSP]! + 8n;
  return { handler, handlerData, establisher };
}

function slotsOf(op: number, info: number): number {
  return op === 1 ? (info === 0 ? 2 : 3) : op === 4 || op === 8 ? 2 : op === 5 || op === 9 ? 3 : 1;
}
