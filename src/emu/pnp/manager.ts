/**
 * The PnP manager: builds device stacks for the devnodes of the device tree and drives them
 * through their life, in the order Windows does (docs/pnp.md):
 *   AddDevice of each lower filter, the function driver, each upper filter (DriverExtension->
 *   AddDevice(DriverObject, PDO)) → IRP_MN_START_DEVICE with raw and translated resources (no
 *   SET_POWER D0 follows: start-up powers the device on) → IRP_MN_QUERY_DEVICE_RELATIONS(BusRelations); each new PDO
 *   gets IRP_MN_QUERY_ID (device, hardware, compatible, instance IDs) and IRP_MN_QUERY_CAPABILITIES,
 *   and its function driver is chosen by hardware ID from the device file (loaded if needed).
 * Removal, when a service stops: children before parents, IRP_MN_QUERY_REMOVE_DEVICE (started
 * devices), IRP_MN_REMOVE_DEVICE — also to the PDO of a child that never started (no driver); no
 * SET_POWER D3: each driver powers down on the remove IRP itself (Microsoft Learn, "Removing a
 * Device in a Function Driver", step 5). The references the bus driver gave with each reported
 * PDO are released when the devnode goes away. A failed AddDevice or start gives the devnode its
 * CM_PROB_* code and removes the stack built so far; drivers left without device objects are then
 * unloaded (problems.ts). Every step is a `pnp` trace event.
 */
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { formatStatus, ntSuccess } from "../../nt/status.js";
import { DO_DEVICE_INITIALIZING, attachedTop, canonical, ctxLess, deviceLabel, ioState, kalloc, kfree, where, type IoEnv } from "../iomgr/index.js";
import { dereference, takeOver } from "../obmgr/index.js";
import { BusQuery, PNP, queryBusRelations, queryId, sendPnpIrp } from "./irps.js";
import { buildResourceList, describeResources, expandResources } from "./resources.js";
import { createRootPdo } from "./root-bus.js";
import { grantPorts } from "../machine/resources.js";
import { matchDriver, type DeviceFile } from "./spec.js";
import { nodeOfPdo, pnpState, type DevNode } from "./state.js";
import { disableInterfacesOf } from "./interfaces.js";
import { queryInvalidatedStates, queryRemoval } from "./removal.js";
import { driversToUnload, noteStackDrivers, problemFields, type ProblemName } from "./problems.js";

const B = (n: number) => BigInt(n);
const DEV = LAYOUT.DEVICE_OBJECT;
const SL = LAYOUT.IO_STACK_LOCATION;
const lc = (s: string) => s.toLowerCase();
const MAX_NODES = 512;
const TAG_CAPS = 0x73706143; // 'Caps'

export interface PnpOutcome {
  /** Services the device tree needs that are not running (the kernel model starts them). */
  start: string[];
  /** PnP services left without devices after a removal (the kernel model stops them first). */
  stop: string[];
  /** A service stop refused: a device of the service vetoed IRP_MN_QUERY_REMOVE_DEVICE (removal.ts). */
  vetoed?: string;
  /** Why a service of `stop` is unloaded (default: its last device was removed). */
  reasons?: Record<string, string>;
}

export function installDeviceFile(kernel: Parameters<typeof pnpState>[0], file: DeviceFile): void {
  pnpState(kernel).file = file;
}

function emitPnp(env: IoEnv, action: string, n: DevNode, extra: Record<string, unknown> = {}): void {
  env.kernel.emit?.({ event: "pnp", action, device: n.instance, ...extra } as never);
}

const required = (n: DevNode): string[] => (n.service === null ? [] : [...n.lowerFilters, n.service, ...n.upperFilters]);

/** The devnodes of the device file's root-enumerated devices (created once). */
function ensureRootNodes(env: IoEnv): void {
  const st = pnpState(env.kernel);
  if (!st.file || st.nodes.some((n) => n.root)) return;
  for (const d of st.file.devices) {
    const n: DevNode = {
      instance: d.instance, hardwareIds: d.hardwareIds, compatibleIds: d.compatibleIds, service: d.service, lowerFilters: d.lowerFilters,
      upperFilters: d.upperFilters, resources: d.resources, parent: null, children: [], pdo: createRootPdo(env), root: true, state: "waiting", stack: [], held: false,
    };
    st.nodes.push(n);
    emitPnp(env, "enumerate", n, { parent: "ROOT", hardwareIds: n.hardwareIds, service: n.service, pdo: deviceLabel(env, n.pdo) });
  }
}

/** A service's DriverEntry succeeded: record its driver object and bring up the devnodes waiting for it. */
export function serviceStarted(env: IoEnv, service: string, driver: bigint, module: string): PnpOutcome {
  const st = pnpState(env.kernel);
  st.services.set(lc(service), { name: service, driver, module });
  st.unavailable.delete(lc(service));
  ensureRootNodes(env);
  return settle(env);
}

/**
 * A service the tree needs could not be started: its devnodes keep waiting with a problem —
 * CM_PROB_FAILED_DRIVER_ENTRY when its DriverEntry failed, CM_PROB_DRIVER_FAILED_LOAD otherwise
 * (ReactOS PiAttachFilterDriversCallback maps the load status the same way).
 */
export function serviceFailed(env: IoEnv, service: string, why: string, driverEntryFailed = false): void {
  const st = pnpState(env.kernel);
  st.unavailable.add(lc(service));
  const code = problemFields(driverEntryFailed ? "FAILED_DRIVER_ENTRY" : "DRIVER_FAILED_LOAD");
  for (const n of st.nodes)
    if (n.state === "waiting" && required(n).some((s) => lc(s) === lc(service))) {
      n.problem = `the driver ${service} could not be loaded (${why})`;
      n.problemCode = code.code;
      emitPnp(env, "problem", n, { service, problem: n.problem, ...code });
    }
}

/** Bring up every devnode whose drivers are all loaded; returns the drivers still missing. */
export function settle(env: IoEnv): PnpOutcome {
  const st = pnpState(env.kernel);
  for (let round = 0; round < 64; round++) {
    let progressed = false;
    for (const n of [...st.nodes]) {
      if (n.state !== "waiting" || (n.service === null && !n.raw)) continue;
      const req = required(n);
      if (req.some((s) => st.unavailable.has(lc(s))) || !req.every((s) => st.services.has(lc(s)))) continue;
      progressed = true;
      n.held = false;
      bringUp(env, n);
    }
    for (const pdo of [...st.invalidated]) {
      st.invalidated.delete(pdo);
      const n = nodeOfPdo(st, pdo);
      if (n?.state === "started") {
        emitPnp(env, "invalidated", n, { relations: "BusRelations" });
        enumerate(env, n);
        progressed = true;
      }
    }
    if (queryInvalidatedStates(env)) progressed = true;
    if (!progressed) break;
  }
  const start: string[] = [];
  for (const n of st.nodes)
    if (n.state === "waiting" && !n.held)
      for (const s of required(n)) if (!st.services.has(lc(s)) && !st.unavailable.has(lc(s)) && !start.some((x) => lc(x) === lc(s))) start.push(s);
  // Drivers of failed stacks left without device objects are unloaded (problems.ts).
  const { stop, reasons } = driversToUnload(env);
  return { start, stop, ...(stop.length ? { reasons } : {}) };
}

/**
 * A devnode failed: the problem (with its CM_PROB_* code), IRP_MN_REMOVE_DEVICE to the drivers
 * that added devices to its stack, and those drivers are candidates for unloading (problems.ts).
 */
function fail(env: IoEnv, n: DevNode, problem: string, code?: ProblemName): void {
  n.problem = problem;
  const fields = code ? problemFields(code) : null;
  n.problemCode = fields?.code;
  emitPnp(env, "problem", n, { problem, ...fields });
  env.warn(`PnP: ${n.instance}: ${problem}${fields ? ` (${fields.codeName})` : ""}`);
  if (n.stack.length > 0) tearDown(env, n, false);
  n.state = "failed";
  if (code === "FAILED_ADD" || code === "FAILED_START") noteStackDrivers(env, n.instance, required(n));
}

/** AddDevice for each driver of the stack, IRP_MN_START_DEVICE, bus relations. */
function bringUp(env: IoEnv, n: DevNode): void {
  const st = pnpState(env.kernel);
  const m = env.mem;
  n.problem = undefined;
  n.removeSent = false;
  if (n.detected) adoptStack(env, n);
  else for (const svc of required(n)) {
    const s = st.services.get(lc(svc))!;
    const ext = getPtr(m, s.driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
    const addDevice = ext === 0n ? 0n : getPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice));
    // ReactOS PiCallDriverAddDevice: a driver without AddDevice fails the stack (CM_PROB_FAILED_ADD).
    if (addDevice === 0n) return fail(env, n, `${s.module} (service ${svc}) is not a PnP driver: its DriverEntry left DriverObject->DriverExtension->AddDevice NULL`, "FAILED_ADD");
    const below = attachedTop(m, n.pdo);
    emitPnp(env, "add-device", n, { service: svc, module: s.module, routine: where(env, addDevice), pdo: deviceLabel(env, n.pdo) });
    const status = Number(BigInt.asUintN(32, env.callGuest(addDevice, [s.driver, n.pdo]))) >>> 0;
    const top = attachedTop(m, n.pdo);
    emitPnp(env, "add-device-done", n, { service: svc, module: s.module, status: formatStatus(status), ...(top !== below ? { fdo: deviceLabel(env, top) } : {}) });
    if (top !== below) {
      n.stack.push(top);
      const f = top + B(DEV.Flags);
      if (ntSuccess(status) && m.u32(f) & DO_DEVICE_INITIALIZING) {
        env.warn(`${s.module}'s AddDevice returned without clearing DO_DEVICE_INITIALIZING on ${deviceLabel(env, top)} (the PnP manager cannot send it requests until it does; cleared now)`);
        m.setU32(f, m.u32(f) & ~DO_DEVICE_INITIALIZING);
      }
    }
    if (!ntSuccess(status)) return fail(env, n, `AddDevice of ${s.module} returned ${formatStatus(status)}`, "FAILED_ADD");
    if (top === below) env.warn(`${s.module}'s AddDevice for ${n.instance} returned ${formatStatus(status)} without attaching a device to the stack (IoAttachDeviceToDeviceStack)`);
  }
  const { resources, problems, pci } = expandResources(env.kernel, n.resources);
  for (const p of problems) env.warn(`PnP: ${n.instance}: ${p}`);
  const raw = buildResourceList(env, resources, false, pci);
  const translated = buildResourceList(env, resources, true, pci);
  const r = sendPnpIrp(env, n.pdo, PNP.START_DEVICE, (sl) => {
    putPtr(m, sl + B(SL["Parameters.StartDevice.AllocatedResources"]), raw);
    putPtr(m, sl + B(SL["Parameters.StartDevice.AllocatedResourcesTranslated"]), translated);
  });
  emitPnp(env, "start", n, { status: formatStatus(r.status), resources: describeResources(resources) });
  // The lists live as long as the device is started on Windows; drivers copy what they need.
  if (raw) kfree(env, raw);
  if (translated) kfree(env, translated);
  if (!r.completed || !ntSuccess(r.status)) return fail(env, n, `IRP_MN_START_DEVICE failed with ${formatStatus(r.status)}`, "FAILED_START");
  n.state = "started";
  // A driver of the stack that kept no device (a KMDF filter whose EvtDriverDeviceAdd failed) has nothing to drive.
  noteStackDrivers(env, n.instance, required(n));
  // The port ranges of the device are its drivers' own now (the verifier's port I/O rule checks them).
  for (const r of resources) if (r.type === "port") for (const svc of required(n)) grantPorts(env.kernel, st.services.get(lc(svc))!.module, Number(r.start), r.length);
  // No IRP_MN_SET_POWER D0 follows: powering on is an implicit part of start-up, and the power
  // policy owner does not send a D0 IRP then (Microsoft Learn, "Powering Up a Device").
  enumerate(env, n);
}

/** A reported (IoReportDetectedDevice) devnode: the device objects its driver attached above the PDO are its stack. */
function adoptStack(env: IoEnv, n: DevNode): void {
  const AttachedDevice = B(DEV.AttachedDevice);
  for (let d = getPtr(env.mem, n.pdo + AttachedDevice), i = 0; d !== 0n && i < 64; d = getPtr(env.mem, d + AttachedDevice), i++) n.stack.push(d);
  if (n.stack.length === 0) env.warn(`PnP: ${n.instance} was reported by IoReportDetectedDevice, but ${n.service} attached no device to its PDO before DriverEntry returned (the driver does AddDevice's work itself for a detected device)`);
  emitPnp(env, "adopt-stack", n, { service: n.service, devices: n.stack.map((d) => deviceLabel(env, d)) });
}

/** IRP_MN_QUERY_DEVICE_RELATIONS(BusRelations) on a started devnode: new children, missing ones. */
function enumerate(env: IoEnv, parent: DevNode): void {
  const st = pnpState(env.kernel);
  // This query answers any IoInvalidateDeviceRelations made before it (a reported device's DriverEntry).
  st.invalidated.delete(parent.pdo);
  const pdos = queryBusRelations(env, parent.pdo);
  if (pdos === null) return;
  const io = ioState(env.kernel);
  const ob = ctxLess(env);
  for (const pdo of pdos) {
    // The bus driver's reference on each reported PDO now belongs to the PnP manager.
    takeOver(env.kernel, pdo);
    if (parent.children.some((c) => c.pdo === pdo && c.state !== "deleted")) {
      dereference(ob, pdo, "PnP manager (child already known)");
      continue;
    }
    const info = io.devices.get(pdo);
    if (!info || info.deleted) {
      env.warn(`PnP: ${parent.instance}: the bus driver reported ${pdo.toString(16)} in BusRelations, which is not a live device object`);
      continue;
    }
    if (st.nodes.length >= MAX_NODES) {
      env.warn(`PnP: more than ${MAX_NODES} devnodes; ${deviceLabel(env, pdo)} is ignored`);
      dereference(ob, pdo, "PnP manager");
      continue;
    }
    if (info.name === null) {
      // PDOs must be named (FILE_AUTOGENERATED_DEVICE_NAME): give it the I/O manager's kind of name.
      const name = `\\Device\\${String(0x100 + st.nextPdo++).padStart(8, "0")}`;
      info.name = name;
      io.names.set(canonical(name), pdo);
    }
    const deviceId = queryId(env, pdo, BusQuery.DeviceID);
    const hardwareIds = queryId(env, pdo, BusQuery.HardwareIDs) ?? [];
    const compatibleIds = queryId(env, pdo, BusQuery.CompatibleIDs) ?? [];
    const instanceId = queryId(env, pdo, BusQuery.InstanceID);
    const caps = queryCapabilities(env, pdo);
    const id = deviceId?.[0] ?? hardwareIds[0] ?? null;
    const match = st.file ? matchDriver(st.file, hardwareIds, compatibleIds) : null;
    const n: DevNode = {
      instance: `${(id ?? "UNKNOWN").toUpperCase()}\\${instanceId?.[0] ?? String(parent.children.length)}`,
      hardwareIds, compatibleIds, service: match?.service ?? null, lowerFilters: match?.lowerFilters ?? [], upperFilters: match?.upperFilters ?? [],
      resources: [], parent, children: [], pdo, root: false, state: "waiting", stack: [], held: false,
    };
    parent.children.push(n);
    st.nodes.push(n);
    emitPnp(env, "enumerate", n, { parent: parent.instance, pdo: deviceLabel(env, pdo), hardwareIds, compatibleIds, service: n.service, capabilities: caps });
    if (id === null) fail(env, n, "the bus driver answered neither IRP_MN_QUERY_ID(BusQueryDeviceID) nor BusQueryHardwareIDs");
    else if (!match && /RawDeviceOK/.test(caps)) n.raw = true; // started without a function driver (settle)
    else if (!match) {
      n.problem = `no driver for ${[...hardwareIds, ...compatibleIds].join(", ") || id} in the device file's "drivers"`;
      const fields = problemFields("FAILED_INSTALL");
      n.problemCode = fields.code;
      emitPnp(env, "problem", n, { problem: n.problem, ...fields });
    }
  }
  for (const c of parent.children)
    if (c.state !== "deleted" && !pdos.includes(c.pdo)) removeNode(env, c, "reported missing by its bus driver", true);
  parent.children = parent.children.filter((c) => c.state !== "deleted");
}

/** IRP_MN_QUERY_CAPABILITIES to a new PDO: "status" and a few of the flags, for the trace. */
function queryCapabilities(env: IoEnv, pdo: bigint): string {
  const C = LAYOUT.DEVICE_CAPABILITIES;
  const caps = kalloc(env, C.$size, TAG_CAPS);
  const m = env.mem;
  m.write(caps, new Uint8Array(C.$size));
  m.setU16(caps + B(C.Size), C.$size);
  m.setU16(caps + B(C.Version), 1);
  m.setU32(caps + B(C.Address), 0xffffffff);
  m.setU32(caps + B(C.UINumber), 0xffffffff);
  const r = sendPnpIrp(env, pdo, PNP.QUERY_CAPABILITIES, (sl) => putPtr(m, sl + B(SL["Parameters.DeviceCapabilities.Capabilities"]), caps), { target: pdo });
  // The flag bits follow Version (wdm.h: DeviceD1:1 DeviceD2:1 LockSupported:1 EjectSupported:1 Removable:1 DockDevice:1 UniqueID:1 SilentInstall:1 RawDeviceOK:1 SurpriseRemovalOK:1 ...).
  const flags = m.u32(caps + 4n);
  const names = ["DeviceD1", "DeviceD2", "LockSupported", "EjectSupported", "Removable", "DockDevice", "UniqueID", "SilentInstall", "RawDeviceOK", "SurpriseRemovalOK"].filter((_, i) => flags & (1 << i));
  kfree(env, caps);
  return `${formatStatus(r.status)}${names.length ? ` (${names.join(", ")})` : ""}`;
}

/** REMOVE_DEVICE down the stack; afterwards every device added above the PDO must be gone. */
function tearDown(env: IoEnv, n: DevNode, started: boolean): void {
  if (started && n.queried) n.queried = false;
  else if (started) {
    const q = sendPnpIrp(env, n.pdo, PNP.QUERY_REMOVE_DEVICE);
    emitPnp(env, "query-remove", n, { status: formatStatus(q.status) });
    if (!ntSuccess(q.status)) env.warn(`PnP: ${n.instance}: IRP_MN_QUERY_REMOVE_DEVICE failed with ${formatStatus(q.status)} (a veto); the service is stopping, so the device is removed anyway`);
    // No IRP_MN_SET_POWER D3 here: "The power policy owner for the device ... does not send a
    // separate IRP_MN_SET_POWER request to set the device power state to D3"; each driver powers
    // down when it gets the remove IRP (Microsoft Learn, "Removing a Device in a Function Driver").
  }
  disableInterfacesOf(env, n.pdo);
  const io = ioState(env.kernel);
  const stack = [n.pdo, ...n.stack];
  for (const d of stack) io.removing.add(d);
  let r;
  n.removeSent = true;
  try {
    r = sendPnpIrp(env, n.pdo, PNP.REMOVE_DEVICE);
  } finally {
    for (const d of stack) io.removing.delete(d);
  }
  emitPnp(env, "remove", n, { status: formatStatus(r.status) });
  for (const d of n.stack) {
    const info = io.devices.get(d);
    if (info && !info.deleted)
      env.warn(`PnP: ${deviceLabel(env, d)} is still there after IRP_MN_REMOVE_DEVICE for ${n.instance}: its driver must IoDetachDevice and IoDeleteDevice it`);
  }
  n.stack = [];
}

/** Remove a devnode (children first). `gone`: the devnode is deleted (its PDO reference released); otherwise it waits for a driver again. */
export function removeNode(env: IoEnv, n: DevNode, why: string, gone: boolean): void {
  for (const c of [...n.children].reverse()) if (c.state !== "deleted") removeNode(env, c, `its parent ${n.instance} is being removed`, true);
  n.children = [];
  emitPnp(env, "removing", n, { reason: why });
  // A devnode that goes away gets IRP_MN_REMOVE_DEVICE even if it never started (a child with no
  // driver: its bus driver deletes the PDO then); "Drivers can also receive a remove IRP before a
  // device is started" (IRP_MN_REMOVE_DEVICE, Microsoft Learn).
  if (n.state === "started" || n.stack.length > 0 || (gone && !n.root && !n.removeSent && n.state !== "deleted")) tearDown(env, n, n.state === "started");
  else disableInterfacesOf(env, n.pdo);
  // From now on the reported device is root-enumerated: the next start of its service calls AddDevice.
  n.detected = false;
  if (gone) {
    n.state = "deleted";
    const st = pnpState(env.kernel);
    st.nodes = st.nodes.filter((x) => x !== n);
    if (!n.root) dereference(ctxLess(env), n.pdo, "PnP manager (devnode deleted)");
  } else n.state = "waiting";
}

/** A service is stopping: remove the devnodes its driver is part of; report PnP services left without devices. */
export function serviceStopping(env: IoEnv, service: string): PnpOutcome {
  const st = pnpState(env.kernel);
  const me = st.services.get(lc(service));
  if (!me) return { start: [], stop: [] };
  const drives = (n: DevNode) => required(n).some((s) => lc(s) === lc(service));
  const before = new Set([...st.services.keys()].filter((k) => k !== lc(service) && st.nodes.some((n) => n.state === "started" && required(n).some((s) => lc(s) === k))));
  // Only stacks holding a device of this driver: a filter that kept no device there (a KMDF filter
  // whose EvtDriverDeviceAdd failed) leaves the stack alone when it is unloaded.
  const io = ioState(env.kernel);
  const ownsDevice = (n: DevNode) => n.stack.length === 0 || n.stack.some((d) => io.devices.get(d)?.driver === me.driver);
  const targets = st.nodes.filter((n) => n.state !== "deleted" && drives(n) && (n.state === "started" || n.stack.length > 0) && ownsDevice(n));
  // Every started device of the removal is asked first; a veto cancels it and keeps the service running.
  const vetoed = queryRemoval(env, targets);
  if (vetoed) return { start: [], stop: [], vetoed };
  for (const n of targets) if (n.state !== "deleted") removeNode(env, n, `service ${service} is stopping`, false);
  for (const n of targets) if (n.state === "waiting") n.held = true;
  st.services.delete(lc(service));
  const stop: string[] = [];
  for (const k of before) if (!st.nodes.some((n) => n.state === "started" && required(n).some((s) => lc(s) === k))) stop.push(st.services.get(k)!.name);
  return { start: [], stop };
}

/** Whether a devnode still waits for `service` (a start the PnP manager asked for may be stale by the time it comes). */
export function serviceWanted(kernel: Parameters<typeof pnpState>[0], service: string): boolean {
  return pnpState(kernel).nodes.some((n) => n.state === "waiting" && !n.held && required(n).some((s) => lc(s) === lc(service)));
}

/** A service stopped without going through serviceStopping (not loaded by us): forget it. */
export function serviceGone(kernel: Parameters<typeof pnpState>[0], service: string): void {
  pnpState(kernel).services.delete(lc(service));
}

