/**
 * IoConnectInterruptEx / IoDisconnectInterruptEx and IoReportInterruptActive /
 * IoReportInterruptInactive (wdm.h; Microsoft Learn "IoConnectInterruptEx",
 * "IO_CONNECT_INTERRUPT_PARAMETERS", "IoDisconnectInterruptEx", "IoReportInterruptActive",
 * "IoReportInterruptInactive", "WdmlibIoConnectInterruptEx" for the statuses).
 *
 * IO_CONNECT_INTERRUPT_PARAMETERS: ULONG Version, then a pointer-aligned union of
 * - FullySpecified (CONNECT_FULLY_SPECIFIED 1, CONNECT_FULLY_SPECIFIED_GROUP 4): PhysicalDeviceObject,
 *   InterruptObject (PKINTERRUPT*), ServiceRoutine, ServiceContext, SpinLock, SynchronizeIrql,
 *   FloatingSave, ShareVector, Vector, Irql, InterruptMode, ProcessorEnableMask, Group;
 * - LineBased (CONNECT_LINE_BASED 2): PhysicalDeviceObject, InterruptObject, ServiceRoutine,
 *   ServiceContext, SpinLock, SynchronizeIrql, FloatingSave;
 * - MessageBased (CONNECT_MESSAGE_BASED 3, CONNECT_MESSAGE_BASED_PASSIVE 5): PhysicalDeviceObject,
 *   ConnectionContext (PKINTERRUPT* / PIO_INTERRUPT_MESSAGE_INFO*), MessageServiceRoutine,
 *   ServiceContext, SpinLock, SynchronizeIrql, FloatingSave, FallBackServiceRoutine.
 *
 * Statuses (Learn): an unknown Version STATUS_INVALID_PARAMETER_1; a NULL device object (or a NULL
 * routine or output pointer) STATUS_INVALID_PARAMETER; an empty ProcessorEnableMask
 * STATUS_INVALID_PARAMETER_10; a device without the interrupt asked for STATUS_NOT_FOUND.
 * Line-based: the PDO's line-based interrupt from its translated resources (the devnode's
 * `interrupt` resource, docs/pnp.md: vector 0x30 + IRQ, IRQL vector / 16). Message-based: the
 * emulated PC assigns no message-signaled interrupts (the resource model has none), so, as Learn
 * describes, IoConnectInterruptEx falls back to the line-based interrupt with
 * FallBackServiceRoutine and sets Parameters->Version to CONNECT_LINE_BASED; without a fallback
 * routine it is STATUS_NOT_FOUND (kmdll's choice of status: Learn names none for that case).
 * The interrupt object is the machine model's (machine.ts: IoDisconnectInterrupt,
 * KeSynchronizeExecution and the unload check see it). Disconnect and the active/inactive
 * reports take the Version IoConnectInterruptEx returned; an object that is not a connected
 * interrupt is a bug check report. Reporting is a `hardware` event (no interrupt is delivered).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "../api/util.js";
import { componentState } from "../api/state.js";
import { hw, machineOf } from "../machine/index.js";
import { expandResources } from "./resources.js";
import { nodeOfPdo, pnpState } from "./state.js";

const B = (n: number) => BigInt(n);
const FULLY = 1, LINE = 2, MESSAGE = 3, FULLY_GROUP = 4, MESSAGE_PASSIVE = 5;
const VERSIONS = ["", "CONNECT_FULLY_SPECIFIED", "CONNECT_LINE_BASED", "CONNECT_MESSAGE_BASED", "CONNECT_FULLY_SPECIFIED_GROUP", "CONNECT_MESSAGE_BASED_PASSIVE"];
const INVALID_PARAMETER_1 = 0xc00000ef;
const INVALID_PARAMETER_10 = 0xc00000f8;

/** Interrupts IoConnectInterruptEx connected: object → the Version it returned and the active state. */
const exState = componentState("interrupt-ex", () => new Map<bigint, { version: number; active: boolean }>());

/** The union's field i (pointer-sized slots) of the parameters at `p`. */
const slot = (p: bigint, i: number) => p + B(ptrSize()) * B(1 + i);

/** The PDO's first line-based interrupt as its translated resources give it, or null. */
function lineInterrupt(ctx: ApiContext, pdo: bigint): { vector: number; irql: number } | null {
  const node = nodeOfPdo(pnpState(ctx.kernel), pdo);
  if (!node) return null;
  const irq = expandResources(ctx.kernel, node.resources).resources.find((r) => r.type === "interrupt");
  if (!irq) return null;
  const vector = 0x30 + Number(irq.start);
  return { vector, irql: vector >> 4 };
}

function connect(ctx: ApiContext, out: bigint, isr: bigint, context: bigint, vector: number, irql: number, version: number): number {
  const obj = ctx.kernel.kernelPool?.allocate(0x100, 0x72746e49 /* 'Intr' */) ?? 0n;
  if (obj === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  ctx.mem.setU16(obj, 0x16); // InterruptObject type
  machineOf(ctx.kernel).interrupts.set(obj, { vector, isr, context, irql, module: ctx.caller?.module ?? "?" });
  exState(ctx.kernel).set(obj, { version, active: true });
  writePtr(ctx.mem, out, obj);
  hw(ctx, "interrupt", "connect", vector, undefined, undefined, { isr: ctx.kernel.where?.(isr) ?? hex(isr), irql, version: VERSIONS[version] });
  return STATUS.SUCCESS;
}

function connectEx(ctx: ApiContext): number {
  const p = ctx.arg(0);
  const version = ctx.mem.u32(p);
  const pdo = readPtr(ctx.mem, slot(p, 0));
  ctx.describe([hex(p), VERSIONS[version] ?? String(version), hex(pdo)]);
  if (version < FULLY || version > MESSAGE_PASSIVE) return INVALID_PARAMETER_1;
  if (pdo === 0n) return STATUS.INVALID_PARAMETER;
  const out = readPtr(ctx.mem, slot(p, 1));
  const context = readPtr(ctx.mem, slot(p, 3));
  if (version === FULLY || version === FULLY_GROUP) {
    const isr = readPtr(ctx.mem, slot(p, 2));
    const at = slot(p, 5); // SynchronizeIrql, FloatingSave, ShareVector, (pad), Vector, Irql, InterruptMode, ProcessorEnableMask
    const vector = ctx.mem.u32(at + 4n);
    const irql = ctx.mem.u8(at + 8n);
    const mask = readPtr(ctx.mem, at + 16n);
    if (out === 0n || isr === 0n) return STATUS.INVALID_PARAMETER;
    if (mask === 0n) return INVALID_PARAMETER_10;
    return connect(ctx, out, isr, context, vector, irql, version);
  }
  const line = lineInterrupt(ctx, pdo);
  if (version === LINE) {
    const isr = readPtr(ctx.mem, slot(p, 2));
    if (out === 0n || isr === 0n) return STATUS.INVALID_PARAMETER;
    if (!line) return STATUS.NOT_FOUND;
    return connect(ctx, out, isr, context, line.vector, line.irql, LINE);
  }
  // Message-based: no messages on the emulated PC; the line-based fallback when the driver gives one.
  const fallback = readPtr(ctx.mem, slot(p, 6));
  if (out === 0n) return STATUS.INVALID_PARAMETER;
  if (fallback === 0n || !line) return STATUS.NOT_FOUND;
  const status = connect(ctx, out, fallback, context, line.vector, line.irql, LINE);
  if (status === STATUS.SUCCESS) ctx.mem.setU32(p, LINE);
  return status;
}

/** The connected interrupt named by a disconnect/report parameter block { Version, ConnectionContext }. */
function connected(ctx: ApiContext, api: string, p: bigint): { obj: bigint; st: { version: number; active: boolean } } {
  const version = ctx.mem.u32(p);
  const obj = readPtr(ctx.mem, p + B(ptrSize()));
  ctx.describe([hex(p), VERSIONS[version] ?? String(version), hex(obj)]);
  const st = exState(ctx.kernel).get(obj);
  if (!st || !machineOf(ctx.kernel).interrupts.has(obj))
    ctx.fault("bugcheck", `${api}(${hex(p)}): ${hex(obj)} is not an interrupt IoConnectInterruptEx connected (or it was disconnected)`, { code: "0x0000000A" });
  if (st.version !== version)
    ctx.fault("bugcheck", `${api}(${hex(p)}): Version ${VERSIONS[version] ?? version} is not the ${VERSIONS[st.version]} IoConnectInterruptEx returned for ${hex(obj)}`, { code: "0x0000000A" });
  return { obj, st };
}

function report(ctx: ApiContext, api: string, active: boolean): void {
  const { obj, st } = connected(ctx, api, ctx.arg(0));
  st.active = active;
  hw(ctx, "interrupt", active ? "active" : "inactive", machineOf(ctx.kernel).interrupts.get(obj)!.vector);
}

export const apis: ApiDefinition[] = [
  {
    ...nt("IoConnectInterruptEx", 1, connectEx),
    notes: "fully specified, line-based (the PDO's translated interrupt resource) and message-based (no MSI on the emulated PC: the line-based fallback, Version set to CONNECT_LINE_BASED)",
  },
  nt("IoDisconnectInterruptEx", 1, (ctx) => {
    const { obj } = connected(ctx, "IoDisconnectInterruptEx", ctx.arg(0));
    const i = machineOf(ctx.kernel).interrupts.get(obj)!;
    machineOf(ctx.kernel).interrupts.delete(obj);
    exState(ctx.kernel).delete(obj);
    hw(ctx, "interrupt", "disconnect", i.vector);
    ctx.kernel.kernelPool?.free(obj);
  }),
  nt("IoReportInterruptActive", 1, (ctx) => report(ctx, "IoReportInterruptActive", true)),
  nt("IoReportInterruptInactive", 1, (ctx) => report(ctx, "IoReportInterruptInactive", false)),
];
