/**
 * x64 stack unwinding from an image's .pdata/.xdata (RUNTIME_FUNCTION + UNWIND_INFO), for the
 * backtraces of fault reports. Handles the prolog unwind codes (push, alloc, set-frame, save
 * non-volatile, xmm saves) and chained unwind info; a function without .pdata is a leaf.
 */
import type { GuestMemory } from "./api/types.js";
import type { LoadedModule } from "./image.js";

/** Register numbers of the unwind codes: RAX=0 RCX RDX RBX RSP RBP RSI RDI R8..R15. */
export type RegFile = bigint[];

export interface Frame {
  rip: bigint;
  rsp: bigint;
}

function findFunction(mod: LoadedModule, rva: number) {
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

/** Unwind one frame: returns the caller's RIP/RSP (regs updated in place), or null when stuck. */
export function unwindOne(mem: GuestMemory, mod: LoadedModule | null, regs: RegFile, rip: bigint, assumePrologDone = false): Frame | null {
  const RSP = 4;
  try {
    let fn = mod ? findFunction(mod, Number(rip - mod.base)) : null;
    if (mod && fn) {
      let offset = Number(rip - mod.base) - fn.beginAddress;
      for (let chain = 0; fn && chain < 32; chain++) {
        const ui = mod.base + BigInt(fn.unwindInfoAddress);
        const head = mem.read(ui, 4);
        const flags = head[0]! >> 3;
        const prolog = head[1]!;
        const count = head[2]!;
        const frameReg = head[3]! & 0xf;
        const frameOff = (head[3]! >> 4) * 16;
        const codes = count ? mem.read(ui + 4n, count * 2) : new Uint8Array(0);
        const u16 = (i: number) => codes[i * 2]! | (codes[i * 2 + 1]! << 8);
        const inProlog = chain === 0 && offset < prolog && !assumePrologDone;
        for (let i = 0; i < count; ) {
          const codeOff = codes[i * 2]!;
          const op = codes[i * 2 + 1]! & 0xf;
          const info = codes[i * 2 + 1]! >> 4;
          const slots = op === 1 ? (info === 0 ? 2 : 3) : op === 4 || op === 8 ? 2 : op === 5 || op === 9 ? 3 : 1;
          const applies = !inProlog || codeOff <= offset;
          if (applies) {
            switch (op) {
              case 0: // PUSH_NONVOL
                regs[info] = mem.u64(regs[RSP]!);
                regs[RSP] = regs[RSP]! + 8n;
                break;
              case 1: // ALLOC_LARGE
                regs[RSP] = regs[RSP]! + (info === 0 ? BigInt(u16(i + 1) * 8) : BigInt((u16(i + 1) | (u16(i + 2) << 16)) >>> 0));
                break;
              case 2: // ALLOC_SMALL
                regs[RSP] = regs[RSP]! + BigInt(info * 8 + 8);
                break;
              case 3: // SET_FPREG
                regs[RSP] = regs[frameReg]! - BigInt(frameOff);
                break;
              case 4: // SAVE_NONVOL
                regs[info] = mem.u64(regs[RSP]! + BigInt(u16(i + 1) * 8));
                break;
              case 5: // SAVE_NONVOL_FAR
                regs[info] = mem.u64(regs[RSP]! + BigInt((u16(i + 1) | (u16(i + 2) << 16)) >>> 0));
                break;
              case 10: {
                // PUSH_MACHFRAME
                const base = regs[RSP]! + (info ? 8n : 0n);
                const r = mem.u64(base);
                regs[RSP] = mem.u64(base + 24n);
                return { rip: r, rsp: regs[RSP]! };
              }
              default:
                break; // xmm saves and epilog codes do not move RSP
            }
          }
          i += slots;
        }
        if (flags & 4) {
          // CHAININFO: a RUNTIME_FUNCTION follows the (even-padded) codes.
          const at = ui + 4n + BigInt(((count + 1) & ~1) * 2);
          const b = mem.read(at, 12);
          const dv = new DataView(b.buffer, b.byteOffset, 12);
          fn = { beginAddress: dv.getUint32(0, true), endAddress: dv.getUint32(4, true), unwindInfoAddress: dv.getUint32(8, true) };
          offset = Number.MAX_SAFE_INTEGER;
        } else fn = null;
      }
    }
    const ret = mem.u64(regs[RSP]!);
    regs[RSP] = regs[RSP]! + 8n;
    return { rip: ret, rsp: regs[RSP]! };
  } catch {
    return null;
  }
}
