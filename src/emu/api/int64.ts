/**
 * The 64-bit integer helpers ntoskrnl.exe exports on x86, which the msvc compilers call for
 * `long long` arithmetic a 32-bit CPU has no instruction for (Microsoft's CRT sources, lldiv.asm
 * and friends, document the contracts; the WDK links them from ntoskrnl.lib):
 *   _alldiv/_aulldiv/_allrem/_aullrem/_allmul: stdcall (a, b) as two 64-bit stack arguments
 *   (low dword first), result in EDX:EAX, the callee pops 16 bytes;
 *   _allshl/_allshr/_aullshr: the value in EDX:EAX and the count in CL, result in EDX:EAX (a
 *   count of 64 or more gives 0, or the sign for _allshr).
 * Division by zero faults as the `div` instruction inside the helper does (#DE), reported at the
 * driver's call. Only x86 images import these names (the database lists them for x86 only).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { nt } from "./util.js";

const u64 = (lo: bigint, hi: bigint) => (BigInt.asUintN(32, hi) << 32n) | BigInt.asUintN(32, lo);
const args = (ctx: ApiContext): [bigint, bigint] => [u64(ctx.arg(0), ctx.arg(1)), u64(ctx.arg(2), ctx.arg(3))];

function divide(ctx: ApiContext, signed: boolean, rem: boolean): bigint {
  let [a, b] = args(ctx);
  if (signed) [a, b] = [BigInt.asIntN(64, a), BigInt.asIntN(64, b)];
  ctx.describe([String(a), String(b)]);
  if (b === 0n) ctx.fault("cpu-exception", `divide error (#DE): ${ctx.api.replace(/\.exe!/, "!")}(${a}, 0) called from ${ctx.caller ? `${ctx.caller.module}+0x${ctx.caller.rva.toString(16)}` : "the kernel"} divides by zero`);
  // BigInt division truncates toward zero and the remainder takes the dividend's sign, as idiv does.
  return BigInt.asUintN(64, rem ? a % b : a / b);
}

/** The value in EDX:EAX and the count in CL (register-based helpers). */
function shiftOperands(ctx: ApiContext): { v: bigint; n: bigint } | null {
  if (!ctx.cpu) return null;
  return { v: u64(ctx.cpu.get("RAX"), ctx.cpu.get("RDX")), n: ctx.cpu.get("RCX") & 0xffn };
}

export const apis: ApiDefinition[] = [
  // RtlExtendedLargeIntegerDivide(LARGE_INTEGER Dividend, ULONG Divisor, PULONG Remainder): stdcall,
  // the dividend as two stack dwords, the quotient in EDX:EAX (Learn, wdm.h; x86 only — x64's wdm.h
  // makes it an inline function). The dividend is divided as an unsigned 64-bit value, as the
  // i386 kernel's `div`-based routine does (ReactOS's C version divides the signed QuadPart: the two
  // differ only for a negative dividend); a NULL Remainder is not written; divisor 0 faults (#DE).
  nt("RtlExtendedLargeIntegerDivide", 4, (ctx) => {
    const a = u64(ctx.arg(0), ctx.arg(1));
    const d = BigInt.asUintN(32, ctx.arg(2));
    const pr = ctx.arg(3);
    ctx.describe([String(a), String(d), pr === 0n ? "NULL" : `0x${pr.toString(16)}`]);
    if (d === 0n) ctx.fault("cpu-exception", `divide error (#DE): RtlExtendedLargeIntegerDivide(${a}, 0) called from ${ctx.caller ? `${ctx.caller.module}+0x${ctx.caller.rva.toString(16)}` : "the kernel"} divides by zero`);
    if (pr !== 0n) ctx.mem.setU32(pr, Number(a % d));
    return a / d;
  }),
  nt("_alldiv", 4, (ctx) => divide(ctx, true, false)),
  nt("_aulldiv", 4, (ctx) => divide(ctx, false, false)),
  nt("_allrem", 4, (ctx) => divide(ctx, true, true)),
  nt("_aullrem", 4, (ctx) => divide(ctx, false, true)),
  nt("_allmul", 4, (ctx) => {
    const [a, b] = args(ctx);
    return BigInt.asUintN(64, a * b);
  }),
  nt("_allshl", 0, (ctx) => {
    const o = shiftOperands(ctx);
    if (!o) return 0n;
    ctx.describe([String(o.v), String(o.n)]);
    return o.n >= 64n ? 0n : BigInt.asUintN(64, o.v << o.n);
  }),
  nt("_allshr", 0, (ctx) => {
    const o = shiftOperands(ctx);
    if (!o) return 0n;
    ctx.describe([String(BigInt.asIntN(64, o.v)), String(o.n)]);
    return BigInt.asUintN(64, BigInt.asIntN(64, o.v) >> (o.n >= 64n ? 63n : o.n));
  }),
  nt("_aullshr", 0, (ctx) => {
    const o = shiftOperands(ctx);
    if (!o) return 0n;
    ctx.describe([String(o.v), String(o.n)]);
    return o.n >= 64n ? 0n : o.v >> o.n;
  }),
];
