/**
 * The device file of `kmdll sim --devices FILE` (docs/pnp.md): the root-enumerated devices of
 * the emulated machine — instance path, hardware/compatible IDs, the service that drives them,
 * optional lower/upper filter services, hardware resources — and the driver database mapping
 * hardware IDs of devices that bus drivers report to services (what an INF install leaves in
 * the registry). Pure data: this module parses, it reads no file.
 */

export type ResourceSpec =
  | { type: "port"; start: bigint; length: number }
  | { type: "memory"; start: bigint; length: number }
  | { type: "interrupt"; irq: number }
  /** Bus/device/function of a PCI function of the machine model: its BARs become port/memory resources. */
  | { type: "pci"; bus: number; device: number; function: number };

export interface DeviceSpec {
  /** Device instance path, e.g. ROOT\PNPBUS\0000. */
  instance: string;
  hardwareIds: string[];
  compatibleIds: string[];
  service: string;
  lowerFilters: string[];
  upperFilters: string[];
  resources: ResourceSpec[];
}

export interface DriverMatch {
  /** A hardware or compatible ID (case-insensitive). */
  id: string;
  service: string;
  lowerFilters: string[];
  upperFilters: string[];
}

export interface DeviceFile {
  devices: DeviceSpec[];
  drivers: DriverMatch[];
}

const MAX_DEVICES = 256;
const SERVICE = /^[A-Za-z0-9_.-]{1,64}$/;
const ID = /^[\x21-\x7e]{1,200}$/;

function fail(what: string, msg: string): never {
  throw new Error(`${what}: ${msg}`);
}

function obj(v: unknown, what: string, known: string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(what, "expected an object");
  for (const k of Object.keys(v)) if (!known.includes(k)) fail(what, `unknown field "${k}" (known: ${known.join(", ")})`);
  return v as Record<string, unknown>;
}

function strings(v: unknown, what: string, re: RegExp, hint: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 32) fail(what, "expected an array of at most 32 strings");
  return v.map((s, i) => {
    if (typeof s !== "string" || !re.test(s)) fail(`${what}[${i}]`, `expected ${hint}, got ${JSON.stringify(s)}`);
    return s;
  });
}

function num(v: unknown, what: string, max: bigint): bigint {
  let n: bigint | null = null;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) n = BigInt(v);
  else if (typeof v === "string" && /^(0x[0-9a-f]{1,16}|[0-9]{1,20})$/i.test(v.trim())) n = BigInt(v.trim());
  if (n === null || n > max) fail(what, `expected an integer from 0 to 0x${max.toString(16)} (number or "0x..." string), got ${JSON.stringify(v)}`);
  return n;
}

function resource(v: unknown, what: string): ResourceSpec {
  const o = obj(v, what, ["port", "memory", "length", "interrupt", "pci"]);
  if (o.port !== undefined) return { type: "port", start: num(o.port, `${what}.port`, 0xffffn), length: Number(num(o.length ?? 1, `${what}.length`, 0x10000n)) };
  if (o.memory !== undefined) return { type: "memory", start: num(o.memory, `${what}.memory`, 0xffffffffffffn), length: Number(num(o.length ?? 0x1000, `${what}.length`, 0x10000000n)) };
  if (o.interrupt !== undefined) return { type: "interrupt", irq: Number(num(o.interrupt, `${what}.interrupt`, 191n)) };
  if (o.pci !== undefined) {
    const m = typeof o.pci === "string" ? /^(\d{1,3}):(\d{1,2})\.(\d)$/.exec(o.pci.trim()) : null;
    if (!m || Number(m[1]) > 255 || Number(m[2]) > 31 || Number(m[3]) > 7) fail(`${what}.pci`, `expected "BUS:DEVICE.FUNCTION" like "0:3.0", got ${JSON.stringify(o.pci)}`);
    return { type: "pci", bus: Number(m[1]), device: Number(m[2]), function: Number(m[3]) };
  }
  fail(what, 'expected one of {"port": N, "length": N}, {"memory": N, "length": N}, {"interrupt": IRQ}, {"pci": "0:3.0"}');
}

/** Parse a device file (JSON already decoded). Errors name the field: `devices[0].service: ...`. */
export function parseDeviceFile(json: unknown): DeviceFile {
  const top = obj(json, "device file", ["about", "devices", "drivers"]);
  if (!Array.isArray(top.devices) || top.devices.length === 0) fail("devices", "expected a non-empty array of root-enumerated devices");
  if (top.devices.length > MAX_DEVICES) fail("devices", `more than ${MAX_DEVICES} devices`);
  const seen = new Set<string>();
  const devices = top.devices.map((d, i): DeviceSpec => {
    const what = `devices[${i}]`;
    const o = obj(d, what, ["instance", "hardwareIds", "compatibleIds", "service", "lowerFilters", "upperFilters", "resources", "about"]);
    const hardwareIds = strings(o.hardwareIds, `${what}.hardwareIds`, ID, "a hardware ID like ROOT\\PNPBUS");
    if (hardwareIds.length === 0) fail(`${what}.hardwareIds`, "at least one hardware ID is needed");
    if (typeof o.service !== "string" || !SERVICE.test(o.service)) fail(`${what}.service`, `expected a service name like "pnpbus", got ${JSON.stringify(o.service)}`);
    const tail = hardwareIds[0]!.split("\\").pop()!.toUpperCase();
    let instance = typeof o.instance === "string" ? o.instance : `ROOT\\${tail}\\${String(i).padStart(4, "0")}`;
    if (o.instance !== undefined && (typeof o.instance !== "string" || !/^[\x21-\x7e]+\\[\x21-\x7e]+\\[\x21-\x7e]+$/.test(o.instance) || o.instance.length > 200))
      fail(`${what}.instance`, `expected an instance path like ROOT\\PNPBUS\\0000, got ${JSON.stringify(o.instance)}`);
    instance = instance.toUpperCase();
    if (seen.has(instance)) fail(`${what}.instance`, `${instance} is used twice`);
    seen.add(instance);
    if (o.resources !== undefined && (!Array.isArray(o.resources) || o.resources.length > 32)) fail(`${what}.resources`, "expected an array of at most 32 resources");
    return {
      instance,
      hardwareIds,
      compatibleIds: strings(o.compatibleIds, `${what}.compatibleIds`, ID, "an ID"),
      service: o.service,
      lowerFilters: strings(o.lowerFilters, `${what}.lowerFilters`, SERVICE, "a service name"),
      upperFilters: strings(o.upperFilters, `${what}.upperFilters`, SERVICE, "a service name"),
      resources: ((o.resources as unknown[] | undefined) ?? []).map((r, j) => resource(r, `${what}.resources[${j}]`)),
    };
  });
  if (top.drivers !== undefined && (!Array.isArray(top.drivers) || top.drivers.length > MAX_DEVICES)) fail("drivers", `expected an array of at most ${MAX_DEVICES} entries`);
  const drivers = ((top.drivers as unknown[] | undefined) ?? []).map((d, i): DriverMatch => {
    const what = `drivers[${i}]`;
    const o = obj(d, what, ["hardwareId", "service", "lowerFilters", "upperFilters", "about"]);
    if (typeof o.hardwareId !== "string" || !ID.test(o.hardwareId)) fail(`${what}.hardwareId`, `expected a hardware ID like PNPBUS\\WDMCHILD, got ${JSON.stringify(o.hardwareId)}`);
    if (typeof o.service !== "string" || !SERVICE.test(o.service)) fail(`${what}.service`, `expected a service name, got ${JSON.stringify(o.service)}`);
    return { id: o.hardwareId, service: o.service, lowerFilters: strings(o.lowerFilters, `${what}.lowerFilters`, SERVICE, "a service name"), upperFilters: strings(o.upperFilters, `${what}.upperFilters`, SERVICE, "a service name") };
  });
  return { devices, drivers };
}

/** The driver database entry for a device's IDs: hardware IDs first (in order), then compatible IDs. */
export function matchDriver(file: DeviceFile, hardwareIds: string[], compatibleIds: string[]): DriverMatch | null {
  for (const id of [...hardwareIds, ...compatibleIds]) {
    const m = file.drivers.find((d) => d.id.toUpperCase() === id.toUpperCase());
    if (m) return m;
  }
  return null;
}
