/**
 * API dispatch: the native hook on the synthetic kernel modules' code calls `dispatch` with the
 * thunk address and the register arguments. It finds the handler, names the caller (also for
 * tail calls), builds the ApiContext the handler sees, and turns handler failures and guest
 * faults inside handlers into fault reports. Unimplemented exports fault or return
 * STATUS_NOT_IMPLEMENTED, as the emulator options say.
 */
import type { ApiContext } from "./api/types.js";
import type { FaultKind } from "../events.js";
import type { Emulator } from "./emulator.js";
import { GuestFault } from "./memory.js";
import { EmuStop } from "./faults.js";
import { Seh, SehResume } from "./seh.js";
import type { SehServices } from "./api/types.js";
import { CLOCK_STEP } from "./clock.js";
import { addr64 } from "./layout.js";
import { checkCallIrql } from "./verifier/checks.js";
import { setLayoutArch } from "../nt/arch-layout.js";

const STATUS_NOT_IMPLEMENTED = 0xc0000002n;

export interface Caller {
  caller: { module: string; rva: number } | null;
  callerText: string;
}

/**
 * Who called an API, from its return address. A driver that tail-calls an API (`jmp DbgPrint`
 * as its last statement) leaves the return address of *its* caller — the kernel's return
 * sentinel or a thunk — so then the innermost driver routine the kernel called is the caller.
 */
export function callerOf(emu: Emulator, retAddr: bigint): Caller {
  const { map, calls } = emu;
  const direct = map.moduleAt(retAddr);
  if (direct && !direct.builtin) {
    const caller = { module: direct.name, rva: Number(retAddr - direct.base) };
    return { caller, callerText: `${caller.module}+0x${caller.rva.toString(16)}` };
  }
  for (let i = calls.targets.length - 1; i >= 0; i--) {
    const target = calls.targets[i]!;
    const m = map.moduleAt(target);
    if (m && !m.builtin) {
      const caller = { module: m.name, rva: Number(target - m.base) };
      return { caller, callerText: `${caller.module}+0x${caller.rva.toString(16)} (tail call)` };
    }
  }
  if (direct) return { caller: { module: direct.name, rva: Number(retAddr - direct.base) }, callerText: `${direct.name}+0x${(retAddr - direct.base).toString(16)}` };
  return { caller: null, callerText: addr64(retAddr) };
}

/** The native API hook: run the handler of the thunk at `addr`; the return value goes to RAX. */
export function dispatch(emu: Emulator, addr: bigint, rcx: bigint, rdx: bigint, r8: bigint, r9: bigint, rsp: bigint, retAddr: bigint): bigint | number | void {
  const { thunks, faults, options } = emu;
  const thunk = thunks.get(addr);
  const { caller, callerText } = callerOf(emu, retAddr);
  emu.clock.advance(CLOCK_STEP);
  if (!thunk || thunk.kind === "data") {
    const what = thunk ? `data export ${thunk.module}!${thunk.name} executed as code` : `jump into kernel code at ${emu.where(addr)}`;
    throw new EmuStop(faults.report("invalid-fetch", `${what} (called from ${callerText})`, addr, { address: addr }));
  }
  const short = thunk.module.replace(/\.(exe|dll|sys)$/i, "");
  const apiName = `${thunk.module}!${thunk.name}`;
  if (!thunk.def) {
    const msg = `unimplemented ${short}!${thunk.name} called from ${callerText}`;
    emu.unimplementedCalls.push({ api: `${short}!${thunk.name}`, caller: callerText });
    if (options.unimplemented === "stub") {
      emu.emit({ event: "warning", module: caller?.module, message: `${msg}: returned STATUS_NOT_IMPLEMENTED`, api: apiName });
      if (options.trace)
        emu.emit({ event: "api", module: caller?.module ?? "", api: apiName, args: [rcx, rdx, r8, r9].map((v) => "0x" + v.toString(16)), ret: "0xc0000002", caller: callerText });
      return STATUS_NOT_IMPLEMENTED;
    }
    throw new EmuStop(faults.report("unimplemented-api", msg, retAddr, { api: apiName }));
  }
  if (caller && emu.verifier.enabled) checkCallIrql(emu, thunk.name, retAddr, callerText);
  // The arch's convention: x64 registers then stack; x86 stack (fastcall: ECX, EDX first).
  setLayoutArch(emu.cpu.arch);
  const arg = emu.cpu.argReader([rcx, rdx, r8, r9], rsp, thunk.conv ?? {}, (a) => emu.readPtr(a));
  let described: string[] | null = null;
  const ctx = apiContext(emu, apiName, arg, { caller, callerText }, retAddr, (d) => void (described = d));
  let ret: bigint | number | void;
  try {
    ret = thunk.def.handler(ctx);
  } catch (e) {
    if (e instanceof SehResume) {
      // A routine that raised (ExRaiseStatus, ProbeForRead...) or unwound: it does not return, but it was called.
      if (options.trace) {
        const shown = described ?? Array.from({ length: thunk.def.argc ?? 4 }, (_, i) => "0x" + arg(i).toString(16));
        emu.emit({ event: "api", module: caller?.module ?? "", api: apiName, args: shown, caller: callerText });
      }
      throw e;
    }
    if (e instanceof EmuStop) throw e;
    if (e instanceof GuestFault) {
      const kind: FaultKind = e.freedWhat ? "use-after-free" : e.access === "read" ? "invalid-read" : "invalid-write";
      throw new EmuStop(faults.report(kind, `${e.message} in ${short}!${thunk.name} called from ${callerText}`, retAddr, { api: apiName, address: e.address }));
    }
    throw new EmuStop(faults.report("internal", `${short}!${thunk.name} handler failed: ${(e as Error)?.message ?? String(e)} (called from ${callerText})`, retAddr, { api: apiName }));
  }
  if (options.trace) {
    const argc = thunk.def.argc ?? 4;
    const shown = described ?? Array.from({ length: argc }, (_, i) => "0x" + arg(i).toString(16));
    emu.emit({
      event: "api",
      module: caller?.module ?? "",
      api: apiName,
      args: shown,
      ...(ret !== undefined ? { ret: "0x" + BigInt.asUintN(64, BigInt(ret)).toString(16) } : {}),
      caller: callerText,
    });
  }
  return ret === undefined ? undefined : BigInt.asUintN(64, BigInt(ret));
}

/** The routines through which a driver allocates pool itself (Driver Verifier tracks these). */
const POOL_ALLOCATOR = /!(ExAllocatePool\w*|ExAllocateFrom\w*Lookaside\w*|ExAllocateFrom(N?Paged)?LookasideList\w*)$/;

/** The ApiContext of one API call. */
function apiContext(emu: Emulator, apiName: string, arg: (i: number) => bigint, who: Caller, retAddr: bigint, describe: (d: string[]) => void): ApiContext {
  const { caller, callerText } = who;
  return {
    api: apiName,
    arg,
    u32: (i) => Number(BigInt.asUintN(32, arg(i))),
    i32: (i) => Number(BigInt.asIntN(32, arg(i))),
    mem: emu.mem,
    pool: {
      allocate: (size, tag, poolType, zero) =>
        emu.pool.allocate(size, tag, poolType, zero, caller?.module.toLowerCase() ?? "(kernel)", caller ? callerText : null, POOL_ALLOCATOR.test(apiName) ? undefined : apiName),
      free: (a, tag) => void emu.pool.free(a, tag, caller ? callerText : null),
    },
    caller,
    callGuest: (address, args) => {
      const r = emu.call(address, args, `callback ${emu.where(address)}`);
      if (!r.ok) throw new EmuStop(r.fault);
      return r.value;
    },
    describe,
    dbgPrint: (text, level, component) =>
      emu.emit({ event: "dbgprint", module: caller?.module ?? "ntoskrnl.exe", text, ...(level !== undefined ? { level } : {}), ...(component !== undefined ? { component } : {}) }),
    warn: (message, extra) => emu.emit({ event: "warning", module: caller?.module, message, api: apiName, ...extra }),
    fault: (kind, message, extra) => {
      throw new EmuStop(emu.faults.report(kind, message, retAddr, { api: apiName, ...extra }));
    },
    kernel: emu.kernel,
    cpu: { get: (reg) => emu.uc.regRead(emu.cpu.regId(emu.C, reg)) },
    // Exception dispatch follows x64 .pdata/.xdata; x86 SEH (_except_handler3/4 frames) is not modelled.
    ...(emu.cpu.arch === "x64" ? { seh: sehServices(emu, apiName, callerText, retAddr) } : {}),
  };
}

/** Exception raising and unwinding for the handlers of Ex/Rtl exception routines (src/emu/api/except.ts). */
function sehServices(emu: Emulator, apiName: string, callerText: string, retAddr: bigint): SehServices {
  const seh = emu.seh;
  const short = apiName.replace(/\.(exe|dll|sys)!/i, "!");
  return {
    raise(code, flags, params, origin) {
      const ctx = seh.callerContext();
      const e = { code, flags, address: retAddr, params, origin: origin ?? `raised by ${short} called from ${callerText}` };
      seh.dispatch(e, ctx);
      throw new EmuStop(
        emu.faults.report("bugcheck", `KMODE_EXCEPTION_NOT_HANDLED (0x1E): exception ${Seh.describe(code)} ${e.origin} was not handled (no __try/__except of the driver accepted it)`, retAddr, {
          api: apiName,
          exception: "0x" + (code >>> 0).toString(16),
          bugcheck: "0x1E",
        }),
      );
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
