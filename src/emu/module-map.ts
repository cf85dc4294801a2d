/**
 * The modules mapped in the emulated address space (the built-in kernel modules and the drivers)
 * and the address → "module+offset" / nearest-export naming used by traces and fault reports.
 */
import type { LoadedModule } from "./image.js";
import type { ThunkTable } from "./thunks.js";
import { addr64 } from "./layout.js";

/**
 * Lower-case base name → module, with a generation number that changes whenever a module is
 * added or removed (per-call caches of "which module called" check it instead of looking up).
 */
export class ModuleTable extends Map<string, LoadedModule> {
  generation = 0;
  override set(key: string, value: LoadedModule): this {
    this.generation++;
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.generation++;
    return super.delete(key);
  }
  override clear(): void {
    this.generation++;
    super.clear();
  }
}

export class ModuleMap {
  /** Lower-case base name → module. */
  readonly modules = new ModuleTable();

  constructor(private readonly thunks: ThunkTable) {}

  get(name: string): LoadedModule | undefined {
    return this.modules.get(name.toLowerCase());
  }

  /** The module containing an address (internal kernel routines count as ntoskrnl.exe). */
  moduleAt(addr: bigint): LoadedModule | null {
    for (const m of this.modules.values()) if (addr >= m.base && addr < m.base + BigInt(m.size)) return m;
    if (this.thunks.isInternal(addr)) return this.modules.get("ntoskrnl.exe") ?? null;
    return null;
  }

  /** "mydriver.sys+0x1023", or the raw address. */
  where(addr: bigint): string {
    const m = this.moduleAt(addr);
    return m ? `${m.name}+0x${(addr - m.base).toString(16)}` : addr64(addr);
  }

  /** Nearest export at or below addr in its module: "LoadPrinterDriver+0x13". */
  nearestExport(addr: bigint): string | undefined {
    const t = this.thunks.get(addr);
    if (t) return t.name;
    const m = this.moduleAt(addr);
    if (!m || !m.image.exports) return undefined;
    const rva = Number(addr - m.base);
    let best: { name: string; rva: number } | undefined;
    for (const f of m.image.exports.functions) {
      if (f.rva === null || f.rva > rva || !f.name) continue;
      if (!best || f.rva > best.rva) best = { name: f.name, rva: f.rva };
    }
    if (!best) return undefined;
    return rva === best.rva ? best.name : `${best.name}+0x${(rva - best.rva).toString(16)}`;
  }

  /** Mapped driver modules (not ntoskrnl/hal) exporting `name`. */
  modulesExporting(name: string): string[] {
    const out: string[] = [];
    for (const m of this.modules.values()) if (!m.builtin && m.image.exports?.functions.some((f) => f.names.includes(name))) out.push(m.name);
    return out;
  }
}
