/**
 * A scripted Executor and synthetic images: run the loader's logic without a CPU. Each module's
 * DllInitialize / DllUnload / DriverEntry result is scripted; every call is logged. Used by the
 * kernel unit tests, and by anyone who wants to explore the loader's rules on made-up images.
 */
import type { EventSink } from "../events.js";
import type { ExportFunction, ImportModule, PeImage } from "../formats/pe/types.js";
import type { CallOutcome, Executor } from "./executor.js";

export interface ScriptedModule {
  /** Status DllInitialize returns (default STATUS_SUCCESS). */
  dllInitialize?: number;
  /** Status DllUnload returns (default STATUS_SUCCESS). */
  dllUnload?: number;
  /** Status DriverEntry returns (default STATUS_SUCCESS). */
  driverEntry?: number;
  /** Whether DriverEntry sets DriverObject->DriverUnload (default true). */
  setsDriverUnload?: boolean;
  /** Results of exported routines called through `call`. */
  routines?: Record<string, (args: bigint[]) => bigint>;
  /** DbgPrint text emitted when the named entry point runs ("DllInitialize", "DriverEntry", ...). */
  prints?: Record<string, string>;
  /** Entry points that fault instead of returning. */
  faults?: string[];
}

export interface ScriptedOptions {
  /** Names ntoskrnl.exe / hal.dll export; default: every name (ordinals: none). */
  kernelExports?: Record<string, string[]>;
  sink?: EventSink;
}

export class ScriptedExecutor implements Executor {
  /** "mapImage mydriver.sys", "DllInitialize mydriver.sys \REGISTRY\...", ... in call order. */
  readonly log: string[] = [];
  /** IAT writes per module: rva → address. */
  readonly iat = new Map<string, Map<number, bigint>>();
  private readonly mapped = new Map<string, bigint>();
  private readonly unloadSet = new Set<string>();
  private nextBase = 0xfffff80000100000n;

  constructor(
    private readonly script: Record<string, ScriptedModule> = {},
    private readonly options: ScriptedOptions = {},
  ) {}

  private mod(module: string): ScriptedModule {
    return this.script[module.toLowerCase()] ?? {};
  }

  private enter(module: string, routine: string): CallOutcome | null {
    const s = this.mod(module);
    const text = s.prints?.[routine];
    if (text !== undefined) this.options.sink?.({ event: "dbgprint", module, text });
    if (s.faults?.includes(routine)) {
      const message = `invalid read at 0x0 in ${module}!${routine}`;
      this.options.sink?.({ event: "fault", kind: "invalid-read", module, message });
      return { ok: false, reason: "fault", message };
    }
    return null;
  }

  mapImage(module: string, image: PeImage, _bytes: Uint8Array): bigint {
    const base = this.nextBase;
    this.nextBase += BigInt(Math.max(0x10000, (image.optional.sizeOfImage + 0xffff) & ~0xffff));
    this.mapped.set(module.toLowerCase(), base);
    this.iat.set(module.toLowerCase(), new Map());
    this.log.push(`map ${module}`);
    return base;
  }

  unmapImage(module: string): void {
    this.mapped.delete(module.toLowerCase());
    this.unloadSet.delete(module.toLowerCase());
    this.log.push(`unmap ${module}`);
  }

  kernelExport(module: string, name: string | null, _ordinal: number | null): bigint | null {
    if (name === null) return null;
    const allowed = this.options.kernelExports?.[module.toLowerCase()];
    if (allowed && !allowed.includes(name)) return null;
    let h = 0;
    for (const c of name) h = (h * 31 + c.charCodeAt(0)) & 0xffff;
    return (module.toLowerCase() === "hal.dll" ? 0xfffff80000020000n : 0xfffff80000000000n) + BigInt(h) * 16n;
  }

  writeIat(module: string, iatRva: number, address: bigint): void {
    this.iat.get(module.toLowerCase())?.set(iatRva, address);
  }

  callDllInitialize(module: string, _rva: number, registryPath: string): CallOutcome {
    this.log.push(`DllInitialize ${module} ${registryPath}`);
    return this.enter(module, "DllInitialize") ?? { ok: true, value: BigInt(this.mod(module).dllInitialize ?? 0) };
  }

  callDllUnload(module: string, _rva: number): CallOutcome {
    this.log.push(`DllUnload ${module}`);
    return this.enter(module, "DllUnload") ?? { ok: true, value: BigInt(this.mod(module).dllUnload ?? 0) };
  }

  callDriverEntry(module: string, _rva: number, serviceName: string, registryPath: string): CallOutcome {
    this.log.push(`DriverEntry ${module} ${serviceName} ${registryPath}`);
    const f = this.enter(module, "DriverEntry");
    if (f) return f;
    const s = this.mod(module);
    if (s.setsDriverUnload ?? true) this.unloadSet.add(module.toLowerCase());
    return { ok: true, value: BigInt(s.driverEntry ?? 0) };
  }

  driverUnloadRoutine(module: string): bigint | null {
    return this.unloadSet.has(module.toLowerCase()) ? (this.mapped.get(module.toLowerCase()) ?? 0n) + 0x1000n : null;
  }

  callDriverUnload(module: string): CallOutcome {
    if (!this.unloadSet.has(module.toLowerCase())) return { ok: false, reason: "no-unload", message: `${module} has no DriverUnload` };
    this.log.push(`DriverUnload ${module}`);
    return this.enter(module, "DriverUnload") ?? { ok: true, value: 0n };
  }

  callRoutine(module: string, _rva: number, args: bigint[], routine: string): CallOutcome {
    this.log.push(`call ${module}!${routine}(${args.join(",")})`);
    const f = this.enter(module, routine);
    if (f) return f;
    const fn = this.mod(module).routines?.[routine];
    return { ok: true, value: fn ? fn(args) : 0n };
  }
}

/** An export of a synthetic image: a name (with optional ordinal), an ordinal-only slot, or a forwarder. */
export interface SyntheticExport {
  name?: string;
  ordinal?: number;
  forwarder?: string;
}

/** An import of a synthetic image: DLL name and its functions (names, or "#N" for ordinals). */
export interface SyntheticImport {
  dll: string;
  functions: string[];
}

export interface SyntheticImageSpec {
  /** Export directory DLL name; exports omitted → no export directory. */
  dllName?: string;
  exports?: SyntheticExport[];
  ordinalBase?: number;
  imports?: SyntheticImport[];
}

/**
 * Build a PeImage model (no bytes) with the given exports and imports, laid out the way a linker
 * would: ordinals from ordinalBase, names sorted for the binary search, IAT slots 8 bytes apart.
 */
export function syntheticImage(spec: SyntheticImageSpec): PeImage {
  let exports: PeImage["exports"] = null;
  if (spec.exports) {
    const base = spec.ordinalBase ?? 1;
    let next = base;
    const functions: ExportFunction[] = spec.exports.map((e, i) => {
      const ordinal = e.ordinal ?? next;
      next = ordinal + 1;
      return { ordinal, name: e.name ?? null, names: e.name ? [e.name] : [], rva: e.forwarder ? null : 0x1000 + i * 0x10, forwarder: e.forwarder ?? null };
    });
    functions.sort((a, b) => a.ordinal - b.ordinal);
    const maxOrd = functions.reduce((m, f) => Math.max(m, f.ordinal), base - 1);
    exports = {
      dllName: spec.dllName ?? "synthetic.sys",
      ordinalBase: base,
      timeDateStamp: 0,
      numberOfFunctions: maxOrd - base + 1,
      numberOfNames: functions.filter((f) => f.name).length,
      functions,
      namePointerOrder: functions.flatMap((f) => f.names).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    };
  }
  let iat = 0x3000;
  const imports: ImportModule[] = (spec.imports ?? []).map((imp) => {
    const start = iat;
    const functions = imp.functions.map((f) => {
      const byOrd = /^#\d+$/.test(f);
      const r = { name: byOrd ? null : f, hint: byOrd ? null : 0, ordinal: byOrd ? Number(f.slice(1)) : null, iatRva: iat };
      iat += 8;
      return r;
    });
    iat += 8;
    return { dll: imp.dll, iltRva: start + 0x1000, iatRva: start, functions };
  });
  return {
    peOffset: 0x80,
    coff: { machine: 0x8664, numberOfSections: 0, timeDateStamp: 0, pointerToSymbolTable: 0, numberOfSymbols: 0, sizeOfOptionalHeader: 0xf0, characteristics: 0x2022 },
    optional: {
      magic: 0x20b, pe32plus: true, majorLinkerVersion: 14, minorLinkerVersion: 0, sizeOfCode: 0x1000, addressOfEntryPoint: 0x1800,
      baseOfCode: 0x1000, imageBase: 0x140000000n, sectionAlignment: 0x1000, fileAlignment: 0x200, majorOperatingSystemVersion: 10,
      minorOperatingSystemVersion: 0, majorSubsystemVersion: 10, minorSubsystemVersion: 0, sizeOfImage: 0x6000, sizeOfHeaders: 0x400,
      checkSum: 0, subsystem: 1, dllCharacteristics: 0, sizeOfStackReserve: 0x100000n, sizeOfStackCommit: 0x1000n,
      sizeOfHeapReserve: 0x100000n, sizeOfHeapCommit: 0x1000n, numberOfRvaAndSizes: 16, checkSumOffset: 0xd8,
    },
    machine: "x64",
    dataDirectories: [],
    sections: [],
    exports,
    imports,
    delayImports: [],
    relocations: [],
    relocsStripped: false,
    debug: [],
    exceptionFunctions: [],
    tls: null,
    loadConfig: null,
    signed: false,
    checksum: { stored: 0, computed: 0 },
    warnings: [],
  };
}

/** An ImageSource over synthetic images keyed by lower-case NT path. */
export function syntheticSource(images: Record<string, PeImage>): import("./types.js").ImageSource {
  const byPath = new Map(Object.entries(images).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    open(ntPath) {
      const image = byPath.get(ntPath.toLowerCase());
      if (!image) return { ok: false, status: 0xc0000034, message: `${ntPath} does not exist` };
      return { ok: true, hostPath: ntPath, bytes: new Uint8Array(0), image };
    },
  };
}
