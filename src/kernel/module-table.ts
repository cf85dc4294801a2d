import type { LoadedModule } from "./types.js";

/**
 * The loaded-module list (PsLoadedModuleList), in load order. Base names compare
 * case-insensitively. ntoskrnl.exe and hal.dll are always present and never counted.
 */
export class ModuleTable {
  private readonly list: LoadedModule[] = [];

  constructor() {
    // WDFLDR.SYS: the KMDF loader, built into the emulated kernel like ntoskrnl/hal (src/emu/wdf/).
    for (const name of ["ntoskrnl.exe", "hal.dll", "WDFLDR.SYS"]) {
      this.list.push({
        name,
        path: `\\SystemRoot\\System32\\${name}`,
        hostPath: null,
        image: null,
        base: 0n,
        loadCount: 1,
        references: [],
        loading: false,
        builtin: true,
        service: null,
        loadedBy: null,
      });
    }
  }

  /** First module whose base name equals `name` (any case). */
  find(name: string): LoadedModule | undefined {
    const l = name.toLowerCase();
    return this.list.find((m) => m.name.toLowerCase() === l);
  }

  /** Module loaded from exactly this NT path (any case). */
  findByPath(ntPath: string): LoadedModule | undefined {
    const l = ntPath.toLowerCase();
    return this.list.find((m) => !m.builtin && m.path.toLowerCase() === l);
  }

  /** First module whose base name starts with `prefix` (any case): forwarder resolution. */
  findByPrefix(prefix: string): LoadedModule | undefined {
    const l = prefix.toLowerCase();
    return this.list.find((m) => m.name.toLowerCase().startsWith(l));
  }

  insert(m: LoadedModule): void {
    this.list.push(m);
  }

  remove(m: LoadedModule): void {
    const i = this.list.indexOf(m);
    if (i >= 0) this.list.splice(i, 1);
  }

  has(m: LoadedModule): boolean {
    return this.list.includes(m);
  }

  /** Every module including ntoskrnl/hal, in load order. */
  all(): readonly LoadedModule[] {
    return this.list;
  }

  /** Loaded drivers and DLLs (without ntoskrnl/hal), in load order. */
  drivers(): LoadedModule[] {
    return this.list.filter((m) => !m.builtin);
  }
}
