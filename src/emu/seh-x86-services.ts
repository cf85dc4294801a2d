/**
 * The SEH services the x86 exception routines' handlers get (src/emu/api/except.ts): raising from
 * the caller's context through the FS:[0] chain (src/emu/seh-x86.ts), RtlCaptureContext with the
 * i386 CONTEXT, and the _except_handler3 / RtlUnwind / _local_unwind2 primitives. The x64-only
 * routines (RtlLookupFunctionEntry, RtlVirtualUnwind, RtlUnwindEx, __C_specific_handler) do not
 * exist in the x86 kernel: asking for them here is a bugcheck report.
 */
import type { Emulator } from "./emulator.js";
import type { SehServices } from "./api/types.js";
import type { CallConvention } from "./arch/cpu.js";
import { EmuStop } from "./faults.js";
import { Seh } from "./seh.js";
import { unhandledException } from "./seh-reports.js";

/** Bytes the routine's stub pops on return (stdcall: all, fastcall: beyond ECX/EDX, cdecl: none). */
function popBytes(conv: CallConvention | undefined): number {
  if (conv?.call === "stdcall") return conv.argBytes ?? 0;
  if (conv?.call === "fastcall") return Math.max(0, (conv.argBytes ?? 0) - 8);
  return 0;
}

export function sehServicesX86(emu: Emulator, apiName: string, callerText: string, retAddr: bigint, conv: CallConvention | undefined): SehServices {
  const seh = emu.sehX86;
  const short = apiName.replace(/\.(exe|dll|sys)!/i, "!");
  const caller = () => seh.callerContext(popBytes(conv));
  const x64Only = (what: string): never => {
    throw new EmuStop(emu.faults.report("bugcheck", `${what} is an x64 routine: the x86 kernel has no .pdata unwinding (called from ${callerText})`, retAddr, { api: apiName }));
  };
  return {
    raise(code, flags, params, origin) {
      const e = { code, flags, address: retAddr, params, origin: origin ?? `raised by ${short} called from ${callerText}` };
      seh.dispatch(e, caller());
      throw unhandledException(emu, code, Seh.describe(code), e.origin, retAddr, apiName);
    },
    raiseRecord(record) {
      const m = emu.mem;
      const n = Math.min(15, m.u32(record + 0x10n));
      const params = Array.from({ length: n }, (_, i) => BigInt(m.u32(record + 0x14n + BigInt(4 * i))));
      return this.raise(m.u32(record), m.u32(record + 4n), params);
    },
    captureContext: (at) => seh.writeContext(at, caller()),
    lookup: () => x64Only("RtlLookupFunctionEntry"),
    virtualUnwind: () => x64Only("RtlVirtualUnwind"),
    unwindEx: () => x64Only("RtlUnwindEx"),
    cSpecificHandler: () => x64Only("__C_specific_handler"),
    x86: {
      exceptHandler3: (record, registration, ctxPtr) => seh.exceptHandler3(record, registration, ctxPtr, caller()),
      unwind: (target, record) => seh.unwind(target, record, caller()),
      localUnwind: (registration, stop) => seh.localUnwind(registration, stop),
      abnormalTermination: () => seh.abnormalTermination(),
    },
  };
}
