import type { LoadedModule } from "./types.js";

/**
 * The loaded-module list (PsLoadedModuleList), in load order. Base names compare
 * case-insensitively. ntoskrnl.exe and hal.dll are always present and never counted.
 */
export class ModuleTable {
  private readonly list: LoadedModule[] = [];
  /** Lower-case base name → the modules of that name in load order (lookups stay O(1) with thousands loaded). */
  private readonly byName = new Map<string, LoadedModule[]>();
  private readonly members = new Set<LoadedModule>();

  constructor() {
    // WDFLDR.SYS: the KMDF loader, FLTMGR.SYS: the Filter Manager, FWPKCLNT.SYS: the filtering
    // platform's kernel client — built into the emulated kernel like ntoskrnl/hal (src/emu/wdf/, src/emu/fltmgr/).
    // NDIS.SYS: the NDIS 6 library network drivers import (src/emu/ndis/).
    // KSECDD.SYS: the kernel security support provider, CNG.SYS: the kernel CNG driver (the same
    // BCrypt* routines, src/emu/api/bcrypt.ts). WppRecorder.sys: the WPP Inflight Trace Recorder (src/emu/api/wpprecorder.ts).
    // NETIO.SYS (WSK, IP helpers: src/emu/netio/), TDI.SYS, ks.sys, WMILIB.SYS (src/emu/api/tdi.ts, ks.ts, wmilib.ts), BATTC.SYS (exports only, api/battc.ts), USBD.SYS (api/usbd.ts), storport.sys (api/storport.ts), HIDCLASS.SYS (api/hidclass.ts), portcls.sys (api/portcls.ts), SCSIPORT.SYS (api/scsiport.ts), SMCLIB.SYS (exports only, api/smclib.ts), CLASSPNP.SYS (api/classpnp.ts), HIDPARSE.SYS (exports only), PCIIDEX.SYS (api/pciidex.ts), BdaSup.SYS (exports only, api/bdasup.ts), dxgkrnl.sys and werkernel.sys (api/dxgkrnl.ts, api/werkernel.ts).
    for (const name of ["ntoskrnl.exe", "hal.dll", "WDFLDR.SYS", "FLTMGR.SYS", "FWPKCLNT.SYS", "NDIS.SYS", "NETIO.SYS", "TDI.SYS", "ks.sys", "WMILIB.SYS", "BATTC.SYS", "USBD.SYS", "storport.sys", "HIDCLASS.SYS", "portcls.sys", "SCSIPORT.SYS", "SMCLIB.SYS", "CLASSPNP.SYS", "HIDPARSE.SYS", "PCIIDEX.SYS", "KSECDD.SYS", "CNG.SYS", "WppRecorder.sys", "BdaSup.SYS", "dxgkrnl.sys", "werkernel.sys"]) {
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
    for (const m of this.list) this.index(m);
  }

  private index(m: LoadedModule): void {
    const k = m.name.toLowerCase();
    const l = this.byName.get(k);
    if (l) l.push(m);
    else this.byName.set(k, [m]);
    this.members.add(m);
  }

  /** First module whose base name equals `name` (any case). */
  find(name: string): LoadedModule | undefined {
    return this.byName.get(name.toLowerCase())?.[0];
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
    this.index(m);
  }

  remove(m: LoadedModule): void {
    if (!this.members.delete(m)) return;
    // Most removals are of the latest modules (an unload cascade, a failed load): search from the end.
    const i = this.list.lastIndexOf(m);
    if (i >= 0) this.list.splice(i, 1);
    const k = m.name.toLowerCase();
    const l = this.byName.get(k)!;
    l.splice(l.indexOf(m), 1);
    if (l.length === 0) this.byName.delete(k);
  }

  has(m: LoadedModule): boolean {
    return this.members.has(m);
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
