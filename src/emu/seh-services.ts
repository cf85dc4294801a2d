/**
 * The exception services x64 API handlers get through `ctx.seh` (src/emu/api/except.ts): raise
 * from the caller's context, RtlCaptureContext, RtlLookupFunctionEntry, RtlVirtualUnwind,
 * RtlUnwindEx and __C_specific_handler over the emulator's .pdata/.xdata support (seh.ts).
 */
import type { SehServices } from "./api/types.js";
import type { Emulator } from "./emulator.js";
import { unhandledException } from "./seh-reports.js";
import { Seh } from "./seh.js";

/** Exception raising and unwinding for the handlers of Ex/Rtl exception routines (src/emu/api/except.ts). */
export function sehServices(emu: Emulator, apiName: string, callerText: string, retAddr: bigint): SehServices {
  const seh = emu.seh;
  const short = apiName.replace(/\.(exe|dll|sys)!/i, "!");
  return {
    raise(code, flags, params, origin) {
      const ctx = seh.callerContext();
      const e = { code, flags, address: retAddr, params, origin: origin ?? `raised by ${short} called from ${callerText}` };
      seh.dispatch(e, ctx);
      throw unhandledException(emu, code, Seh.describe(code), e.origin, retAddr, apiName);
    },
    raiseRecord(record) {
      const m = emu.mem;
      const n = Math.min(15, m.u32(record + 0x18n));
      const params = Array.from({ length: n }, (_, i) => m.u64(record + 0x20n + BigInt(8 * i)));
      return this.raise(m.u32(record), m.u32(record + 4n), params);
    },
    captureContext: (at) => seh.writeContext(at, seh.callerContext()),
    lookup: (pc) => {
      const hit = seh.lookup(pc);
      if (!hit) return null;
      const dir = hit.mod.image.dataDirectories[3];
      const idx = hit.mod.image.exceptionFunctions.indexOf(hit.fn);
      return { base: hit.mod.base, entry: dir && idx >= 0 ? hit.mod.base + BigInt(dir.virtualAddress + 12 * idx) : 0n };
    },
    virtualUnwind: (type, base, pc, entry, ctxPtr) => {
      const m = emu.mem;
      const fn = { beginAddress: m.u32(entry), endAddress: m.u32(entry + 4n), unwindInfoAddress: m.u32(entry + 8n) };
      const ctx = seh.readContext(ctxPtr);
      ctx.rip = pc;
      const r = seh.virtualUnwind(type, base, fn, ctx);
      seh.writeContext(ctxPtr, ctx);
      return r;
    },
    unwindEx: (frame, target, rec, value, ctxPtr) => seh.unwindEx(frame, target, rec, value, ctxPtr, seh.callerContext()),
    cSpecificHandler: (rec, frame, ctxPtr, dc) => seh.cSpecificHandler(rec, frame, ctxPtr, dc),
  };
}
