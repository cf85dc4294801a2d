/**
 * IoReportInterruptActive / IoReportInterruptInactive (Microsoft Learn, wdm.h, Windows 8 and
 * later): a driver whose device powers down tells the kernel its interrupt is inactive (the ISR
 * will not be called, the line may be masked) and, after power-up, active again. Both take an
 * IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS: ULONG Version, then (pointer-aligned) the
 * ConnectionContext IoConnectInterruptEx returned — a PKINTERRUPT for CONNECT_FULLY_SPECIFIED (1)
 * and CONNECT_LINE_BASED (2), a PIO_INTERRUPT_MESSAGE_INFO for CONNECT_MESSAGE_BASED (3) (wdm.h
 * values). Both return nothing; IRQL <= DISPATCH_LEVEL. Reporting the state an interrupt already
 * has changes nothing.
 *
 * kmdll keeps the reported state per ConnectionContext (an `interrupt` hardware event for each
 * change of an interrupt object IoConnectInterrupt connected); a Version outside 1..3, or a call
 * above DISPATCH_LEVEL, is a warning and changes nothing.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt, readPtr } from "./util.js";
import { componentState } from "./state.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hw, machineOf } from "../machine/index.js";

const VERSIONS: Record<number, string> = { 1: "CONNECT_FULLY_SPECIFIED", 2: "CONNECT_LINE_BASED", 3: "CONNECT_MESSAGE_BASED" };
const DISPATCH_LEVEL = 2;

/** ConnectionContexts reported inactive (and not active since). */
const inactive = componentState("interrupt-inactive", () => new Set<bigint>());

function report(ctx: ApiContext, name: string, active: boolean): void {
  const params = ctx.arg(0);
  const version = ctx.mem.u32(params);
  const context = readPtr(ctx.mem, params + BigInt(ptrSize()));
  ctx.describe([`${VERSIONS[version] ?? version}, ${hex(context)}`]);
  if (ctx.kernel.irql > DISPATCH_LEVEL) return void ctx.warn(`${name} at IRQL ${ctx.kernel.irql} (Learn: <= DISPATCH_LEVEL): ignored`);
  if (!VERSIONS[version]) return void ctx.warn(`${name}: Version ${version} is not CONNECT_FULLY_SPECIFIED, CONNECT_LINE_BASED or CONNECT_MESSAGE_BASED: ignored`);
  const set = inactive(ctx.kernel);
  if (active === !set.has(context)) return; // already in that state
  if (active) set.delete(context);
  else set.add(context);
  const i = machineOf(ctx.kernel).interrupts.get(context);
  if (i) hw(ctx, "interrupt", active ? "active" : "inactive", i.vector);
}

export const apis: ApiDefinition[] = [
  nt("IoReportInterruptActive", 1, (ctx) => report(ctx, "IoReportInterruptActive", true)),
  nt("IoReportInterruptInactive", 1, (ctx) => report(ctx, "IoReportInterruptInactive", false)),
];

/** Whether a ConnectionContext is reported inactive (tests, the report). */
export function interruptReportedInactive(ctx: { kernel: ApiContext["kernel"] }, context: bigint): boolean {
  return inactive(ctx.kernel).has(context);
}
