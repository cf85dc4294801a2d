/**
 * Legacy detection (ntddk.h): IoReportDetectedDevice and IoReportResourceForDetection.
 *
 * IoReportDetectedDevice (Microsoft Learn) reports a device that no bus driver enumerates: the PnP
 * manager creates a root-enumerated PDO and devnode for it (unless the caller passes the PDO an
 * earlier call returned) and hands the PDO back. The reporting driver then does what AddDevice
 * would (creates its FDO and attaches it to the PDO), and the PnP manager does not call AddDevice
 * for that devnode: once DriverEntry has returned, it sends IRP_MN_START_DEVICE (with the
 * resources of ResourceList), power D0 and IRP_MN_QUERY_DEVICE_RELATIONS like any started device
 * (src/emu/pnp/manager.ts, `detected`). On a later start of the service the devnode is an ordinary
 * root-enumerated one (Windows writes it under Enum\Root), so AddDevice is called then.
 * IDs: ReactOS and Windows give a detected device the hardware ID DETECTED<bus>\<service> and the
 * compatible ID DETECTED\<service>; the instance is ROOT\<SERVICE>\NNNN.
 *
 * IoReportResourceForDetection claims the raw resources a driver is about to probe; a claim that
 * overlaps another driver's gives STATUS_CONFLICTING_ADDRESSES with *ConflictDetected = TRUE, as
 * documented. Both lists NULL releases the caller's claim.
 *
 * IoReportResourceUsage (ntddk.h) is the older legacy-driver claim (port I/O drivers call it
 * before touching their ports): the same claim table (Windows's \Registry\Machine\HARDWARE\
 * RESOURCEMAP), DriverClassName only names the registry subkey. A conflict sets
 * *ConflictDetected = TRUE; without OverrideConflict the claim is refused with
 * STATUS_CONFLICTING_ADDRESSES, with it the claim is recorded and the call succeeds (Microsoft
 * Learn's OverrideConflict; ReactOS IoReportResourceUsage does the same). The claimed I/O port
 * ranges are granted to the driver (machine/resources.ts), so the verifier's port rule accepts
 * its `in`/`out` on them.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, unicodeText } from "../api/util.js";
import { deviceLabel, envOf } from "../iomgr/index.js";
import { componentState } from "../api/state.js";
import { createRootPdo } from "./root-bus.js";
import { grantPorts } from "../machine/resources.js";
import { nodeOfPdo, pnpState, type DevNode } from "./state.js";
import type { ResourceSpec } from "./spec.js";

const B = (n: number) => BigInt(n);
const CmResourceTypePort = 1;
const CmResourceTypeInterrupt = 2;
const CmResourceTypeMemory = 3;
/** INTERFACE_TYPE (wdm.h), for the DETECTED<bus> hardware ID. */
const BUS_NAMES = ["Internal", "Isa", "Eisa", "MicroChannel", "TurboChannel", "PCIBus", "VMEBus", "NuBus", "PCMCIABus", "CBus", "MPIBus", "MPSABus", "ProcessorInternal", "InternalPowerBus", "PNPISABus", "PNPBus", "Vmcs", "ACPIBus"];
/** Bounds on what a guest list may make the emulator read. */
const MAX_LISTS = 16;
const MAX_DESCRIPTORS = 256;

/** The service a driver object belongs to (DriverExtension->ServiceKeyName, else \Driver\<name>). */
export function serviceOfDriver(ctx: ApiContext, drv: bigint): string | null {
  const ext = getPtr(ctx.mem, drv + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  const key = ext === 0n ? null : unicodeText(ctx.mem, ext + B(LAYOUT.DRIVER_EXTENSION.ServiceKeyName));
  if (key) return key;
  const name = unicodeText(ctx.mem, drv + B(LAYOUT.DRIVER_OBJECT.DriverName));
  return name ? (name.split("\\").pop() ?? null) : null;
}

/** Port, memory and interrupt descriptors of a raw CM_RESOURCE_LIST (others are skipped). */
export function readResourceList(ctx: ApiContext, list: bigint): ResourceSpec[] {
  const L = LAYOUT.CM_RESOURCE_LIST;
  const F = LAYOUT.CM_FULL_RESOURCE_DESCRIPTOR;
  const P = LAYOUT.CM_PARTIAL_RESOURCE_LIST;
  const D = LAYOUT.CM_PARTIAL_RESOURCE_DESCRIPTOR;
  const m = ctx.mem;
  const out: ResourceSpec[] = [];
  const lists = Math.min(m.u32(list + B(L.Count)), MAX_LISTS);
  let full = list + B(L.List);
  for (let i = 0; i < lists; i++) {
    const partial = full + B(F.PartialResourceList);
    const count = Math.min(m.u32(partial + B(P.Count)), MAX_DESCRIPTORS);
    for (let j = 0; j < count; j++) {
      const d = partial + B(P.PartialDescriptors) + B(j * D.$size);
      const type = m.u8(d + B(D.Type));
      if (type === CmResourceTypePort) out.push({ type: "port", start: m.u64(d + B(D["u.Port.Start"])), length: m.u32(d + B(D["u.Port.Length"])) });
      else if (type === CmResourceTypeMemory) out.push({ type: "memory", start: m.u64(d + B(D["u.Memory.Start"])), length: m.u32(d + B(D["u.Memory.Length"])) });
      else if (type === CmResourceTypeInterrupt) out.push({ type: "interrupt", irq: m.u32(d + B(D["u.Interrupt.Vector"])) });
    }
    full = partial + B(P.PartialDescriptors) + B(count * D.$size);
  }
  return out;
}

interface Claim {
  driver: bigint;
  device: bigint;
  module: string;
  resources: ResourceSpec[];
}

const claimState = componentState("pnp-detection", () => ({ claims: [] as Claim[] }));

function overlaps(a: ResourceSpec, b: ResourceSpec): boolean {
  if (a.type === "interrupt" && b.type === "interrupt") return a.irq === b.irq;
  if ((a.type === "port" && b.type === "port") || (a.type === "memory" && b.type === "memory")) {
    const [as, ae] = [a.start, a.start + B(Math.max(a.length, 1))];
    const [bs, be] = [b.start, b.start + B(Math.max(b.length, 1))];
    return as < be && bs < ae;
  }
  return false;
}

export function describeSpec(r: ResourceSpec): string {
  if (r.type === "interrupt") return `IRQ ${r.irq}`;
  if (r.type === "pci") return `PCI ${r.bus}:${r.device}.${r.function}`;
  return `${r.type} 0x${r.start.toString(16)}+0x${r.length.toString(16)}`;
}

/**
 * A legacy resource claim (IoReportResourceForDetection, IoReportResourceUsage): replaces the
 * caller's earlier claim for the same driver/device pair; both lists NULL only releases it. An
 * overlap with another driver's claim sets *ConflictDetected and refuses the claim unless
 * `override`. Port ranges claimed are granted to the calling module.
 */
function claimResources(ctx: ApiContext, drv: bigint, drvList: bigint, dev: bigint, devList: bigint, conflict: bigint, override: boolean): number {
  if (drv === 0n || conflict === 0n) return STATUS.INVALID_PARAMETER;
  // A device list needs the device object it describes (Microsoft Learn: DeviceObject is required with DeviceList).
  if (devList !== 0n && dev === 0n) return STATUS.INVALID_PARAMETER;
  const st = claimState(ctx.kernel);
  ctx.mem.setU8(conflict, 0);
  st.claims = st.claims.filter((c) => !(c.driver === drv && c.device === dev));
  if (drvList === 0n && devList === 0n) return STATUS.SUCCESS;
  const wanted = [...(drvList === 0n ? [] : readResourceList(ctx, drvList)), ...(devList === 0n ? [] : readResourceList(ctx, devList))];
  const module = ctx.caller?.module ?? "?";
  for (const c of st.claims) {
    if (c.driver === drv) continue;
    const clash = wanted.find((w) => c.resources.some((r) => overlaps(w, r)));
    if (clash) {
      ctx.mem.setU8(conflict, 1);
      ctx.kernel.emit?.({ event: "pnp", action: "resource-conflict", device: module, resources: describeSpec(clash), claimedBy: c.module } as never);
      if (!override) return STATUS.CONFLICTING_ADDRESSES;
      break;
    }
  }
  st.claims.push({ driver: drv, device: dev, module, resources: wanted });
  if (ctx.caller) for (const r of wanted) if (r.type === "port" && r.length > 0) grantPorts(ctx.kernel, ctx.caller.module, Number(r.start & 0xffffn), r.length);
  return STATUS.SUCCESS;
}

export const detectionApis: ApiDefinition[] = [
  nt("IoReportDetectedDevice", 8, (ctx) => {
    const [drv, busType, busNo, slot, resList, resReq, assigned, out] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.u32(6) & 0xff, ctx.arg(7)];
    const bus = busType === 0xffffffff ? "InterfaceTypeUndefined" : BUS_NAMES[busType] ?? String(busType);
    ctx.describe([hex(drv), bus, String(busNo | 0), String(slot | 0), hex(resList), hex(resReq), assigned ? "TRUE" : "FALSE", hex(out)]);
    if (drv === 0n || out === 0n) return STATUS.INVALID_PARAMETER;
    const st = pnpState(ctx.kernel);
    const given = getPtr(ctx.mem, out);
    if (given !== 0n) {
      // The caller passes the PDO an earlier report returned: no new PDO (Microsoft Learn).
      return nodeOfPdo(st, given)?.detected !== undefined ? STATUS.SUCCESS : STATUS.INVALID_PARAMETER;
    }
    const service = serviceOfDriver(ctx, drv);
    if (!service) return STATUS.INVALID_PARAMETER;
    const env = envOf(ctx);
    const resources = resList === 0n ? [] : readResourceList(ctx, resList);
    // Reported again by a later start of its service: the PnP manager matches it to the devnode it made then.
    const again = st.nodes.find((n) => n.reported && n.state === "waiting" && !n.detected && n.service?.toLowerCase() === service.toLowerCase());
    if (again) {
      again.detected = true;
      again.resources = resources;
      ctx.kernel.emit?.({ event: "pnp", action: "reported", device: again.instance, service, pdo: deviceLabel(env, again.pdo), again: true } as never);
      putPtr(ctx.mem, out, again.pdo);
      return STATUS.SUCCESS;
    }
    const pdo = createRootPdo(env);
    const nth = st.nodes.filter((n) => n.instance.toUpperCase().startsWith(`ROOT\\${service.toUpperCase()}\\`)).length;
    const hw = busType === 0xffffffff ? `DETECTED\\${service}` : `DETECTED${BUS_NAMES[busType] ?? "Internal"}\\${service}`;
    const n: DevNode = {
      instance: `ROOT\\${service.toUpperCase()}\\${String(nth).padStart(4, "0")}`,
      hardwareIds: [hw],
      compatibleIds: [`DETECTED\\${service}`],
      service,
      lowerFilters: [],
      upperFilters: [],
      resources,
      parent: null,
      children: [],
      pdo,
      root: true,
      state: "waiting",
      stack: [],
      held: false,
      detected: true,
      reported: true,
    };
    st.nodes.push(n);
    ctx.kernel.emit?.({ event: "pnp", action: "reported", device: n.instance, service, pdo: deviceLabel(env, pdo), hardwareIds: n.hardwareIds, resources: n.resources.map(describeSpec).join(", ") || "none" } as never);
    putPtr(ctx.mem, out, pdo);
    return STATUS.SUCCESS;
  }),
  nt("IoReportResourceForDetection", 7, (ctx) => {
    const [drv, drvList, drvSize, dev, devList, devSize, conflict] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.arg(3), ctx.arg(4), ctx.u32(5), ctx.arg(6)];
    ctx.describe([hex(drv), hex(drvList), String(drvSize), dev === 0n ? "NULL" : deviceLabel(envOf(ctx), dev), hex(devList), String(devSize), hex(conflict)]);
    return claimResources(ctx, drv, drvList, dev, devList, conflict, false);
  }),
  nt("IoReportResourceUsage", 9, (ctx) => {
    const [cls, drv, drvList, drvSize, dev, devList, devSize, override, conflict] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.u32(6), ctx.u32(7) & 0xff, ctx.arg(8)];
    ctx.describe([cls === 0n ? "NULL" : JSON.stringify(unicodeText(ctx.mem, cls)), hex(drv), hex(drvList), String(drvSize), dev === 0n ? "NULL" : deviceLabel(envOf(ctx), dev), hex(devList), String(devSize), override ? "TRUE" : "FALSE", hex(conflict)]);
    return claimResources(ctx, drv, drvList, dev, devList, conflict, override !== 0);
  }),
];
