/**
 * Debug output: DbgPrint, DbgPrintEx, vDbgPrintEx, vDbgPrintExWithPrefix (the kernel printf
 * dialect, src/emu/api/printf.ts), DbgBreakPoint; ZwDisplayString, the boot screen's text.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { formatKernelPrintf, vaListReader } from "./printf.js";
import { STATUS } from "../../nt/status.js";
import { describeCString, describeUnicode, nt, unicodeTextDeref } from "./util.js";

/** DbgPrint's buffer is 512 bytes: longer messages are cut. */
const DBGPRINT_MAX = 512;

function print(ctx: ApiContext, fmtPtr: bigint, next: () => bigint, prefix: string, component?: number, level?: number): number {
  const fmt = ctx.mem.cstring(fmtPtr, 0x10000);
  let text = prefix + formatKernelPrintf(fmt, next, ctx.mem, false);
  if (text.length > DBGPRINT_MAX - 1) text = text.slice(0, DBGPRINT_MAX - 1);
  ctx.dbgPrint(text, level, component);
  return STATUS.SUCCESS;
}

function args(ctx: ApiContext, first: number): () => bigint {
  let i = first;
  return () => ctx.arg(i++);
}

export const apis: ApiDefinition[] = [
  nt("DbgPrint", 1, (ctx) => {
    ctx.describe([describeCString(ctx, ctx.arg(0))]);
    return print(ctx, ctx.arg(0), args(ctx, 1), "");
  }),
  nt("DbgPrintEx", 3, (ctx) => {
    ctx.describe([String(ctx.u32(0)), String(ctx.u32(1)), describeCString(ctx, ctx.arg(2))]);
    return print(ctx, ctx.arg(2), args(ctx, 3), "", ctx.u32(0), ctx.u32(1));
  }),
  nt("vDbgPrintEx", 4, (ctx) => {
    ctx.describe([String(ctx.u32(0)), String(ctx.u32(1)), describeCString(ctx, ctx.arg(2))]);
    return print(ctx, ctx.arg(2), vaListReader(ctx.mem, ctx.arg(3)), "", ctx.u32(0), ctx.u32(1));
  }),
  nt("vDbgPrintExWithPrefix", 5, (ctx) => {
    const prefix = ctx.arg(0) === 0n ? "" : ctx.mem.cstring(ctx.arg(0), 256);
    ctx.describe([describeCString(ctx, ctx.arg(0)), String(ctx.u32(1)), String(ctx.u32(2)), describeCString(ctx, ctx.arg(3))]);
    return print(ctx, ctx.arg(3), vaListReader(ctx.mem, ctx.arg(4)), prefix, ctx.u32(1), ctx.u32(2));
  }),
  nt("DbgPrintReturnControlC", 1, (ctx) => {
    ctx.describe([describeCString(ctx, ctx.arg(0))]);
    return print(ctx, ctx.arg(0), args(ctx, 1), "");
  }),
  // ZwDisplayString(PUNICODE_STRING): NtDisplayString (ntdll, undocumented on Learn; ReactOS
  // ntoskrnl/inbv/inbv.c) captures the string — from kernel mode without a probe, so a bad pointer
  // faults — and writes it on the boot screen only while the boot video driver owns the display
  // (InbvIsBootDriverInstalled); on a booted system nothing is shown and the call succeeds.
  // User-mode callers need SeTcbPrivilege: a Zw call from a driver is kernel mode.
  nt("ZwDisplayString", 1, (ctx) => {
    ctx.describe(() => [describeUnicode(ctx, ctx.arg(0))]);
    unicodeTextDeref(ctx.mem, ctx.arg(0));
    return STATUS.SUCCESS;
  }),
  nt("DbgBreakPoint", 0, (ctx) => {
    ctx.warn("DbgBreakPoint: no debugger attached, continuing");
  }),
  nt("DbgBreakPointWithStatus", 1, (ctx) => {
    ctx.warn(`DbgBreakPointWithStatus(0x${ctx.u32(0).toString(16)}): no debugger attached, continuing`);
  }),
];
