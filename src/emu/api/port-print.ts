/**
 * The debug print of the port and class driver libraries (StorPortDebugPrint, ScsiDebugPrint,
 * ClassDebugPrint): (DebugPrintLevel, Format, ...), the kernel printf as a DbgPrint event of that
 * level, cut at 511 characters as DbgPrint's buffer is. A NULL format prints nothing.
 */
import type { ApiContext } from "./types.js";
import { describeCString } from "./util.js";
import { formatKernelPrintf } from "./printf.js";

export function levelDebugPrint(ctx: ApiContext): void {
  const [level, fmt] = [ctx.u32(0), ctx.arg(1)];
  ctx.describe([String(level), describeCString(ctx, fmt)]);
  if (fmt === 0n) return;
  let i = 2;
  const text = formatKernelPrintf(ctx.mem.cstring(fmt, 0x10000), () => ctx.arg(i++), ctx.mem, false);
  ctx.dbgPrint(text.slice(0, 511), level);
}
