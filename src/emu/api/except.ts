/**
 * Structured exception handling exports of ntoskrnl.exe: raising (ExRaiseStatus,
 * ExRaiseAccessViolation, ExRaiseDatatypeMisalignment, RtlRaiseException), user-buffer probes
 * (ProbeForRead, ProbeForWrite), the unwinding primitives drivers and compilers use
 * (RtlCaptureContext, RtlLookupFunctionEntry, RtlVirtualUnwind, RtlUnwindEx) and the C language handler of __try/__except/__finally (__C_specific_handler).
 * The engine is src/emu/seh.ts; semantics follow Microsoft Learn (the routines' pages and
 * "x64 exception handling"). x86 (src/emu/seh-x86.ts): the frame-based handler MSVC's and
 * clang-cl's `__try` frames register (_except_handler3), its unwind helpers (_local_unwind2,
 * _global_unwind2, _abnormal_termination) and RtlUnwind, which on x86 returns to its caller.
 */
import type { ApiContext, ApiDefinition, SehServices } from "./types.js";
import { hex, nt } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";

const STATUS_ACCESS_VIOLATION = 0xc0000005;
const STATUS_DATATYPE_MISALIGNMENT = 0x80000002;
/** EXCEPTION_NONCONTINUABLE: ExRaiseStatus raises noncontinuable exceptions. */
const NONCONTINUABLE = 1;
/** MmUserProbeAddress on x64 (0x7FFFFFFF0000: the highest user address + 1 minus the guard 64 KiB). */
export const MM_USER_PROBE_ADDRESS = 0x00007fffffff0000n;

/** MmUserProbeAddress on x86 (0x7FFF0000: 2 GiB minus the 64 KiB guard). */
export const MM_USER_PROBE_ADDRESS_X86 = 0x7fff0000n;

function seh(ctx: ApiContext): SehServices {
  if (!ctx.seh) ctx.fault("bugcheck", `${ctx.api}: exception dispatch is modelled for x64 and x86 drivers only: the exception would go to the driver's handlers on Windows; here the run stops`);
  return ctx.seh;
}
function sehX86(ctx: ApiContext): NonNullable<SehServices["x86"]> {
  const x = seh(ctx).x86;
  if (!x) ctx.fault("bugcheck", `${ctx.api} is an x86 routine (frame-based SEH)`);
  return x;
}

/**
 * ProbeForRead/ProbeForWrite (wdm.h): nothing for Length 0; misaligned Address →
 * STATUS_DATATYPE_MISALIGNMENT; a range that wraps or ends above MmUserProbeAddress →
 * STATUS_ACCESS_VIOLATION. ProbeForWrite also touches every page of the range for writing.
 */
function probe(ctx: ApiContext, write: boolean): void {
  const x86 = ptrSize() === 4;
  const address = BigInt.asUintN(x86 ? 32 : 64, ctx.arg(0));
  const length = BigInt.asUintN(x86 ? 32 : 64, ctx.arg(1));
  const limit = x86 ? MM_USER_PROBE_ADDRESS_X86 : MM_USER_PROBE_ADDRESS;
  const alignment = ctx.u32(2);
  ctx.describe([hex(address), `${length}`, `${alignment}`]);
  if (length === 0n) return;
  if (![1, 2, 4, 8, 16].includes(alignment)) ctx.warn(`${ctx.api}: Alignment ${alignment} is not 1, 2, 4, 8 or 16`);
  const name = ctx.api.replace(/^.*!/, "");
  if (alignment > 0 && address % BigInt(alignment) !== 0n)
    seh(ctx).raise(STATUS_DATATYPE_MISALIGNMENT, NONCONTINUABLE, [], `raised by ${name}(${hex(address)}, ${length}, ${alignment}): the address is not ${alignment}-byte aligned (called from ${where(ctx)})`);
  const end = address + length;
  if (end > limit || end < address)
    seh(ctx).raise(STATUS_ACCESS_VIOLATION, NONCONTINUABLE, [write ? 1n : 0n, address], `raised by ${name}(${hex(address)}, ${length}): the range is not in user space (ends above MmUserProbeAddress ${hex(limit)}) (called from ${where(ctx)})`);
  if (write) {
    for (let p = address & ~0xfffn; p < end; p += 0x1000n) {
      const at = p < address ? address : p;
      if (!ctx.mem.isMapped(at, 1))
        seh(ctx).raise(STATUS_ACCESS_VIOLATION, NONCONTINUABLE, [1n, at], `raised by ProbeForWrite(${hex(address)}, ${length}): ${hex(at)} is not a writable user page (called from ${where(ctx)})`);
    }
  }
}

function where(ctx: ApiContext): string {
  return ctx.caller ? `${ctx.caller.module}+0x${ctx.caller.rva.toString(16)}` : "the kernel";
}

export const apis: ApiDefinition[] = [
  nt("ExRaiseStatus", 1, (ctx) => {
    const status = ctx.u32(0);
    ctx.describe([hex(status)]);
    seh(ctx).raise(status, NONCONTINUABLE, []);
  }),
  nt("ExRaiseAccessViolation", 0, (ctx) => seh(ctx).raise(STATUS_ACCESS_VIOLATION, NONCONTINUABLE, [])),
  nt("ExRaiseDatatypeMisalignment", 0, (ctx) => seh(ctx).raise(STATUS_DATATYPE_MISALIGNMENT, NONCONTINUABLE, [])),
  nt("RtlRaiseException", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    seh(ctx).raiseRecord(ctx.arg(0));
  }),
  nt("ProbeForRead", 3, (ctx) => probe(ctx, false)),
  nt("ProbeForWrite", 3, (ctx) => probe(ctx, true)),
  nt("RtlCaptureContext", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    seh(ctx).captureContext(ctx.arg(0));
  }),
  nt("RtlLookupFunctionEntry", 3, (ctx) => {
    const pc = ctx.arg(0);
    ctx.describe([hex(pc), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const hit = seh(ctx).lookup(pc);
    if (ctx.arg(1) !== 0n) ctx.mem.setU64(ctx.arg(1), hit?.base ?? 0n);
    return hit?.entry ?? 0n;
  }),
  nt("RtlVirtualUnwind", 8, (ctx) => {
    // (HandlerType, ImageBase, ControlPc, FunctionEntry, ContextRecord, *HandlerData, *EstablisherFrame, ContextPointers)
    const r = seh(ctx).virtualUnwind(ctx.u32(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4));
    if (ctx.arg(5) !== 0n) ctx.mem.setU64(ctx.arg(5), r.handlerData);
    if (ctx.arg(6) !== 0n) ctx.mem.setU64(ctx.arg(6), r.establisher);
    return r.handler ?? 0n;
  }),
  nt("RtlUnwindEx", 6, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4))]);
    seh(ctx).unwindEx(ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4));
  }),
  // RtlUnwind(TargetFrame, TargetIp, ExceptionRecord, ReturnValue): x64 — RtlUnwindEx with a
  // context of its own (never returns); x86 — unwinds the FS:[0] chain above TargetFrame and returns.
  nt("RtlUnwind", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    const s = seh(ctx);
    if (s.x86) return void s.x86.unwind(ctx.arg(0), ctx.arg(2));
    s.unwindEx(ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), 0n);
  }),
  nt("_except_handler3", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    return sehX86(ctx).exceptHandler3(ctx.arg(0), ctx.arg(1), ctx.arg(2));
  }),
  nt("_local_unwind2", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), String(ctx.i32(1))]);
    sehX86(ctx).localUnwind(ctx.arg(0), ctx.i32(1));
  }),
  nt("_global_unwind2", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    sehX86(ctx).unwind(ctx.arg(0), 0n);
  }),
  nt("_abnormal_termination", 0, (ctx) => sehX86(ctx).abnormalTermination()),
  nt("__C_specific_handler", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    return seh(ctx).cSpecificHandler(ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3));
  }),
];

/** The compiler helpers MSVC-built x64 drivers import (examples/api-obio checks them). */
export const helperApis: ApiDefinition[] = [
  // x64 _local_unwind(TargetFrame, TargetIp): what MSVC emits when control leaves a __try body
  // early (return, goto, __leave out of nested blocks): the termination handlers of the scopes
  // between run, then execution continues at TargetIp in the frame TargetFrame — exactly
  // RtlUnwindEx(TargetFrame, TargetIp, NULL, 0, ContextRecord, NULL) (Microsoft Learn "x64
  // exception handling": unwinding; the CRT's _local_unwind calls RtlUnwindEx this way).
  nt("_local_unwind", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), ctx.kernel.where?.(ctx.arg(1)) ?? hex(ctx.arg(1))]);
    const s = seh(ctx);
    if (s.x86) ctx.fault("bugcheck", "_local_unwind is the x64 form; x86 code uses _local_unwind2 (frame-based SEH)");
    s.unwindEx(ctx.arg(0), ctx.arg(1), 0n, 0n, 0n);
  }),
  // _purecall: a call through a vtable slot of a pure virtual function (an object used during
  // construction or after destruction). The kernel's _purecall raises STATUS_NOT_IMPLEMENTED
  // (ReactOS ntoskrnl ex/harderr.c does RtlRaiseStatus(STATUS_NOT_IMPLEMENTED)): a driver's
  // handler can take it; unhandled, it is KMODE_EXCEPTION_NOT_HANDLED naming the caller.
  nt("_purecall", 0, (ctx) => seh(ctx).raise(0xc0000002, NONCONTINUABLE, [], `raised by _purecall: a pure virtual function was called (from ${where(ctx)})`)),
];
