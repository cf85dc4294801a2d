/**
 * Helpers for the emulator core tests: load a fixture driver into an EmulatorExecutor with a
 * small, test-local set of API handlers (so the core is tested independently of src/emu/api),
 * resolve its imports against the emulated ntoskrnl, and call exports by name.
 */
import { readFileSync } from "node:fs";
import { EmulatorExecutor } from "../src/emu/executor.js";
import type { EmulatorOptions } from "../src/emu/emulator.js";
import type { ApiDefinition } from "../src/emu/api/types.js";
import type { TraceEvent } from "../src/events.js";
import { parsePe } from "../src/formats/pe/index.js";
import type { PeImage } from "../src/formats/pe/types.js";
import { fixture } from "./helpers.js";

/** Minimal handlers exercising the core services (pool, faults, nested guest calls). */
export const coreApis: ApiDefinition[] = [
  {
    module: "ntoskrnl.exe",
    name: "ExAllocatePoolWithTag",
    argc: 3,
    handler: (c) => c.pool.allocate(Number(c.arg(1)), c.u32(2), c.u32(0), false),
  },
  {
    module: "ntoskrnl.exe",
    name: "ExFreePoolWithTag",
    argc: 2,
    handler: (c) => void c.pool.free(c.arg(0), c.u32(1)),
  },
  {
    module: "ntoskrnl.exe",
    name: "KeBugCheckEx",
    argc: 5,
    handler: (c) => c.fault("bugcheck", `KeBugCheckEx(0x${c.arg(0).toString(16)}, 0x${c.arg(1).toString(16)}, 0x${c.arg(2).toString(16)}, 0x${c.arg(3).toString(16)}, 0x${c.arg(4).toString(16)})`, { code: "0x" + c.arg(0).toString(16) }),
  },
  {
    module: "ntoskrnl.exe",
    name: "KeIpiGenericCall",
    argc: 2,
    handler: (c) => c.callGuest(c.arg(0), [c.arg(1)]),
  },
];

export interface Loaded {
  ex: EmulatorExecutor;
  image: PeImage;
  name: string;
  events: TraceEvent[];
  call(exportName: string, ...args: (bigint | number)[]): ReturnType<EmulatorExecutor["callRoutine"]>;
  rva(exportName: string): number;
}

export function loadFixture(file: string, opts: EmulatorOptions = {}, arch: "x64" | "x86" | "arm64" = "x64"): Loaded {
  const bytes = new Uint8Array(readFileSync(fixture(arch, file)));
  const image = parsePe(bytes);
  const events: TraceEvent[] = [];
  const ex = new EmulatorExecutor({ apis: coreApis, ...opts, sink: (e) => events.push(e) });
  ex.mapImage(file, image, bytes);
  for (const imp of image.imports)
    for (const fn of imp.functions) {
      const a = ex.kernelExport(imp.dll, fn.name, fn.ordinal);
      if (a === null) throw new Error(`${file}: ${imp.dll}!${fn.name} is not exported by the emulated kernel`);
      ex.writeIat(file, fn.iatRva, a);
    }
  const rva = (n: string) => {
    const f = image.exports?.functions.find((x) => x.names.includes(n));
    if (!f || f.rva === null) throw new Error(`${file} does not export ${n}`);
    return f.rva;
  };
  return {
    ex,
    image,
    name: file,
    events,
    rva,
    call: (n, ...args) => ex.callRoutine(file, rva(n), args.map((a) => BigInt.asUintN(64, BigInt(a))), n),
  };
}
