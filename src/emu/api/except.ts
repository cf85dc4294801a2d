/**
 * Structured exception handling exports of ntoskrnl.exe: raising (ExRaiseStatus,
 * ExRaiseAccessViolation, ExRaiseDatatypeMisalignment, RtlRaiseException), user-buffer probes
 * (ProbeForRead, ProbeForWrite), the unwinding primitives drivers and compilers use
 * (RtlCaptureContext, RtlLookupFunctionEntry, RtlVirtualUnwind, RtlUnwindEx) and the C language handler of __try/__except/__finally (__C_specific_handler).
 * The engine is src/emu/seh.ts; semantics follow Microsoft Learn (the routines' pages and
 * "x64 exception handling").
 */
import type { ApiContext, ApiDefinition, SehServices } from "./types.js";
import { hex, nt } from "./util.js";

const STATUS_ACCESS_VIOLATION = 0xc0000005;
const STATUS_DATATYPE_MISALIGNMENT = 0x80000002;
/** EXCEPTION_NONCONTINUABLE: ExRaiseStatus raises noncontinuable exceptions. */
const NONCONTINUABLE = 1;
/** MmUserProbeAddress on x64 (0x7FFFFFFF0000: the highest user address + 1 minus the guard 64 KiB). */
export const MM_USER_PROBE_ADDRESS = 0x00007fffffff0000n;

function seh(ctx: ApiContext): SehServices {
  if (!ctx.seh) ctx.fault("bugcheck", `${ctx.api}: exception dispatch is modelled for x64 drivers only (x86 SEH frames, _except_handler3/4, are not): the exception would go to the driver's handlers on Windows; here the run stops`);
  return ctx.seh;
}

/**
 * ProbeForRead/ProbeForWrite (wdm.h): nothing for Length 0; misaligned Address →
 * STATUS_DATATYPE_MISALIGNMENT; a range that wraps or ends above MmUserProbeAddress →
 * STATUS_ACCESS_VIOLATION. ProbeForWrite also touches every page of the range for writing.
 */
function probe(ctx: ApiContext, write: boolean): void {
  const address = BigInt.asUintN(64, ctx.arg(0));
  const length = BigInt.asUintN(64, ctx.arg(1));
  const alignment = ctx.u32(2);
  ctx.describe([hex(address), `${length}`, `${alignment}`]);
  if (length === 0n) return;
  if (![1, 2, 4, 8, 16].includes(alignment)) ctx.warn(`${ctx.api}: Alignment ${alignment} is not 1, 2, 4, 8 or 16`);
  const name = ctx.api.replace(/^.*!/, "");
  if (alignment > 0 && address % BigInt(alignment) !== 0n)
    seh(ctx).raise(STATUS_DATATYPE_MISALIGNMENT, NONCONTINUABLE, [], `raised by ${name}(${hex(address)}, ${length}, ${alignment}): the address is not ${alignment}-byte aligned (called from ${where(ctx)})`);
  const end = address + length;
  // x86 (no dispatcher here): MmUserProbeAddress is 0x7FFF0000, so a kernel range stops the run via seh().
  if (!ctx.seh && (end > 0x7fff0000n || end < address)) seh(ctx);
  if (end > MM_USER_PROBE_ADDRESS || end < address)
    seh(ctx).raise(STATUS_ACCESS_VIOLATION, NONCONTINUABLE, [write ? 1n : 0n, address], `raised by ${name}(${hex(address)}, ${length}): the range is not in user space (ends above MmUserProbeAddress ${hex(MM_USER_PROBE_ADDRESS)}) (called from ${where(ctx)})`);
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
  nt("__C_specific_handler", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    return seh(ctx).cSpecificHandler(ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3));
  }),
];
