/**
 * `kmdll call` as a library function: load an image the way a dependency is loaded (map,
 * relocate, resolve imports — ntoskrnl/hal from the emulated kernel, other drivers from
 * `<root>/System32/drivers` — then DllInitialize with its registry path), call one export with
 * integer arguments, then DllUnload and unload (pool leaks reported). A deliberately small loader:
 * the full export-driver semantics (reference counts, cascades, statuses) live in src/kernel.
 */
import { CPUS } from "./arch/cpu.js";
import { imageArch, machineText } from "../nt/image-arch.js";
import { readdirSync, existsSync, statSync } from "node:fs";
import { readImage } from "../io/image.js";
import { basename, join, resolve } from "node:path";
import type { PeImage } from "../formats/pe/types.js";
import type { TraceEvent } from "../events.js";
import { KmdllError } from "../errors.js";
import { formatStatus } from "../nt/status.js";
import { EmulatorExecutor } from "./executor.js";
import type { EmulatorOptions, FaultReport } from "./emulator.js";
import type { Registry } from "../nt/registry.js";

export interface CallImageOptions extends Omit<EmulatorOptions, "sink"> {
  /** Directory playing \SystemRoot (imports of other drivers come from <root>/System32/drivers). */
  root?: string;
  /** Called for every event as it happens. */
  onEvent?: (e: TraceEvent) => void;
  /** The emulated registry the Zw* handlers use (e.g. seeded from a .reg file); default empty. */
  registry?: Registry;
}

export interface CallImageResult {
  /** RAX of the export, when it returned. */
  value: bigint | null;
  events: TraceEvent[];
  fault: FaultReport | null;
  /** A load failure (missing import...), when the export could not be called. */
  failure: string | null;
}

const USER_MODE_DLLS = /^(ntdll|kernel32|user32|gdi32|advapi32|winsrv)/i;

/** The registry path a dependency's DllInitialize receives (SPEC §6). */
export function dllRegistryPath(moduleName: string): string {
  const stem = moduleName.split(".")[0]!;
  return `\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\${stem}`;
}

function findCaseInsensitive(dir: string, name: string): string | null {
  if (!existsSync(dir)) return null;
  const want = name.toLowerCase();
  for (const f of readdirSync(dir)) if (f.toLowerCase() === want) return join(dir, f);
  return null;
}

function exportRva(image: PeImage, name: string): number | null {
  const f = image.exports?.functions.find((x) => x.names.includes(name) && x.rva !== null && !x.forwarder);
  return f?.rva ?? null;
}

/** Parse "41", "-3", "0x29" into a 64-bit argument. */
export function parseIntegerArg(s: string): bigint {
  const t = s.trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) throw new KmdllError(`argument '${s}' is not an integer (decimal or 0x hex)`);
  const neg = t.startsWith("-");
  const v = BigInt(neg ? t.slice(1) : t);
  if (v >= 1n << 64n) throw new KmdllError(`argument '${s}' does not fit in 64 bits`);
  return BigInt.asUintN(64, neg ? -v : v);
}

export function callImage(imagePath: string, exportName: string, args: bigint[], opts: CallImageOptions = {}): CallImageResult {
  if (args.length > 8) throw new KmdllError(`at most 8 arguments can be passed (got ${args.length})`);
  const events: TraceEvent[] = [];
  const sink = (e: TraceEvent) => {
    events.push(e);
    opts.onEvent?.(e);
  };
  const { bytes, image } = readImage(imagePath);
  if (opts.root !== undefined && !(existsSync(opts.root) && statSync(opts.root).isDirectory()))
    throw new KmdllError(`${opts.root}: the root is not a directory`);
  const arch = imageArch(image);
  if (arch.problem !== undefined) throw new KmdllError(`${imagePath}: ${arch.problem} (${formatStatus(0xc000007b)})`);
  const cpu = CPUS[arch.arch];
  const target = basename(imagePath);
  if (/^(ntoskrnl\.exe|hal\.dll)$/i.test(target))
    throw new KmdllError(`${imagePath}: ${target} is the emulated kernel itself; its routines are kmdll's handlers, so it cannot be loaded as a driver (rename the file to call its code)`);
  const rva = exportRva(image, exportName);
  if (rva === null) throw new KmdllError(`${target} does not export '${exportName}'`);
  const ex = new EmulatorExecutor({ ...opts, sink, arch: cpu.arch });
  // The Zw* handlers keep their registry in the kernel state bag under "registry" (api/zw.ts).
  if (opts.registry) ex.emu.kernel.state("registry", () => opts.registry!);
  const loaded: { name: string; image: PeImage }[] = [];
  const driversDir = opts.root ? join(resolve(opts.root), "System32", "drivers") : null;
  const result: CallImageResult = { value: null, events, fault: null, failure: null };
  const fail = (msg: string) => {
    result.failure = msg;
    return result;
  };
  try {
    // Load: map, resolve imports (depth-first), DllInitialize each freshly loaded dependency.
    const load = (name: string, img: PeImage, raw: Uint8Array, by: string | null, path: string): string | null => {
      // A module of another arch than its importer: the loader refuses the image.
      const a = imageArch(img);
      if (a.problem !== undefined) return `${name}: ${a.problem} (${formatStatus(0xc000007b)})`;
      if (a.arch !== cpu.arch) return `${name} is an ${machineText(img.machine)} image, ${by ?? "the driver"} is ${cpu.machine} (${formatStatus(0xc000007b)})`;
      ex.mapImage(name, img, raw);
      sink({ event: "load", module: name, path, by, base: "0x" + ex.emu.module(name)!.base.toString(16) });
      loaded.push({ name, image: img });
      for (const imp of img.imports) {
        const dll = imp.dll;
        const lower = dll.toLowerCase();
        if (USER_MODE_DLLS.test(dll)) return `${name} imports user-mode ${dll} (${formatStatus(0xc000007a)})`;
        const builtin = lower === "ntoskrnl.exe" || lower === "hal.dll";
        if (!builtin && !ex.emu.module(dll)) {
          if (/[\\/]|\.\./.test(dll)) return `${name} imports '${dll}', a name with a path`;
          const file = driversDir ? findCaseInsensitive(driversDir, dll) : null;
          if (!file || !statSync(file).isFile()) return `${name} cannot find ${dll} (${formatStatus(0xc0000034)})${driversDir ? "" : "; pass --root DIR"}`;
          // Like the kernel, the module is named after the import (the path it built from it).
          const dep = readImage(file);
          const why = load(dll, dep.image, dep.bytes, name, file);
          if (why) return why;
          const init = exportRva(dep.image, "DllInitialize");
          if (init !== null) {
            const rp = dllRegistryPath(dll);
            sink({ event: "call", module: dll, routine: "DllInitialize", arg: rp });
            const o = ex.callDllInitialize(dll, init, rp);
            if (!o.ok) {
              result.fault = ex.lastFault;
              return `${dll}!DllInitialize faulted`;
            }
            sink({ event: "return", module: dll, routine: "DllInitialize", status: formatStatus(Number(o.value & 0xffffffffn)) });
            if (Number(o.value & 0x80000000n)) return `${dll}!DllInitialize failed with ${formatStatus(Number(o.value & 0xffffffffn))}`;
          }
        }
        const depMod = builtin ? null : ex.emu.module(dll)!;
        for (const fn of imp.functions) {
          let addr: bigint | null;
          if (builtin) addr = ex.kernelExport(lower, fn.name, fn.ordinal);
          else {
            const exp = depMod!.image.exports;
            const f = fn.name !== null ? exp?.functions.find((x) => x.names.includes(fn.name!)) : exp?.functions.find((x) => x.ordinal === fn.ordinal);
            addr = f && f.rva !== null && !f.forwarder ? depMod!.base + BigInt(f.rva) : null;
          }
          if (addr === null) {
            const what = fn.name ?? `#${fn.ordinal}`;
            return `${name} cannot find ${dll} ${what} (${formatStatus(fn.name !== null ? 0xc0000263 : 0xc0000262)})`;
          }
          ex.writeIat(name, fn.iatRva, addr);
        }
      }
      return null;
    };
    const why = load(target, image, bytes, null, resolve(imagePath));
    if (why) {
      sink({ event: "fail", status: formatStatus(0xc000026c), module: target, message: why });
      return fail(why);
    }
    const init = exportRva(image, "DllInitialize");
    if (init !== null) {
      const rp = dllRegistryPath(target);
      sink({ event: "call", module: target, routine: "DllInitialize", arg: rp });
      const o = ex.callDllInitialize(target, init, rp);
      if (!o.ok) {
        result.fault = ex.lastFault;
        return result;
      }
      const st = Number(o.value & 0xffffffffn);
      sink({ event: "return", module: target, routine: "DllInitialize", status: formatStatus(st) });
      if (st & 0x80000000) return fail(`${target}!DllInitialize failed with ${formatStatus(st)}`);
    }
    sink({ event: "call", module: target, routine: exportName, args: args.map((a) => "0x" + a.toString(16)) });
    const o = ex.callRoutine(target, rva, args, exportName);
    if (!o.ok) {
      result.fault = ex.lastFault;
      return result;
    }
    result.value = o.value;
    sink({ event: "return", module: target, routine: exportName, value: "0x" + o.value.toString(16) });
    // Unload the importer first, then its dependencies: DllUnload, then unmap (leaks reported).
    for (const m of loaded) {
      const un = exportRva(m.image, "DllUnload");
      if (un !== null) {
        sink({ event: "call", module: m.name, routine: "DllUnload" });
        const u = ex.callDllUnload(m.name, un);
        if (!u.ok) {
          result.fault = ex.lastFault;
          return result;
        }
        sink({ event: "return", module: m.name, routine: "DllUnload", status: formatStatus(Number(u.value & 0xffffffffn)) });
      }
      ex.unmapImage(m.name);
      sink({ event: "unload", module: m.name });
    }
    return result;
  } finally {
    ex.close();
  }
}
