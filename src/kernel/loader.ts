import { hex } from "../text/hex.js";
import { ImageLoadError, KmdllError, ResourceLimitError } from "../errors.js";
import type { EventSink } from "../events.js";
import type { ImportModule, ImportedFunction } from "../formats/pe/types.js";
import { STATUS, formatStatus, ntSuccess } from "../nt/status.js";
import { missingSystemModuleNote } from "../nt/system-modules.js";
import type { CallOutcome, Executor } from "./executor.js";
import { locateExport, lookupByName, lookupByOrdinal, parseForwarder, type ExportLookup } from "./exports.js";
import type { ModuleTable } from "./module-table.js";
import { dllRegistryPath, isUserModeDll, ntBaseName, ntDirectory, referenceNeeded, unsafeImportName } from "./paths.js";
import type { ImageSource, LoadedModule, Semantics } from "./types.js";
import { kernelApiSetHost, knownKernelApiSets } from "../nt/api-sets.js";

const KERNEL_IMAGES = new Set(["ntoskrnl.exe", "hal.dll"]);

/** Statuses NtLoadDriver passes through unchanged; everything else becomes 0xC000026C. */
const SURFACED = new Set<number>([
  STATUS.OBJECT_NAME_NOT_FOUND,
  STATUS.DRIVER_ENTRYPOINT_NOT_FOUND,
  STATUS.DRIVER_ORDINAL_NOT_FOUND,
  STATUS.PROCEDURE_NOT_FOUND,
]);

/** The status a failed image load surfaces as (MmLoadSystemImage's filter). */
export function surfacedStatus(cause: number): number {
  return SURFACED.has(cause >>> 0) ? cause >>> 0 : STATUS.DRIVER_UNABLE_TO_LOAD;
}

/** A failed image load: the raw cause, which image failed and what it could not find. */
export class LoadError extends Error {
  constructor(
    readonly raw: number,
    /** The image whose load failed at this point ("client.sys"). */
    readonly module: string,
    /** What was missing: "mydriver.sys!Foo", "mydriver.sys!#9", "mydriver.sys". */
    readonly missing: string | undefined,
    /** Why, in words ("cannot find mydriver.sys Foo"). */
    readonly detail: string,
  ) {
    super(`${module} ${detail} (${formatStatus(raw)}) → ${formatStatus(surfacedStatus(raw))}`);
  }
}

/** Emulation stopped on a fault or timeout: the real machine would have crashed. */
export class Crash extends Error {}

/** One image whose imports are being resolved (the loader's explicit recursion stack). */
interface ResolveFrame {
  m: LoadedModule;
  /** Index of the descriptor being resolved. */
  next: number;
  /** The importer's directory (imports are looked up there). */
  dir: string;
  /** Set when the module descriptor `next` names has just finished loading. */
  loaded: LoadedModule | null;
}

export interface LoaderOptions {
  table: ModuleTable;
  executor: Executor;
  images: ImageSource;
  semantics: Semantics;
  emit: EventSink;
}

function importLabel(f: ImportedFunction): string {
  return f.name ?? `#${f.ordinal}`;
}

/**
 * The image loader (SPEC §6, after ReactOS/WRK sysldr.c): MmLoadSystemImage,
 * MiResolveImageReferences, MiSnapThunk, MmCallDllInitialize, MmUnloadSystemImage,
 * MiDereferenceImports and MiCallDllUnloadAndUnloadDll.
 */
export class Loader {
  constructor(private readonly o: LoaderOptions) {}

  private emit = (e: Parameters<EventSink>[0]): void => this.o.emit(e);

  /** Report a load failure where it is detected (before the cleanup it causes) and return it to throw. */
  private failure(raw: number, module: string, missing: string | undefined, detail: string, routine?: string): LoadError {
    const err = new LoadError(raw, module, missing, detail);
    this.emit({
      event: "fail",
      status: formatStatus(surfacedStatus(raw)),
      cause: formatStatus(raw),
      module,
      ...(missing ? { missing } : {}),
      message: err.message,
      // The dependency's own routine that failed (DllInitialize): for scripts, which status is whose.
      ...(routine ? { routine } : {}),
    });
    return err;
  }

  /** Run a guest routine; a fault or timeout ends the simulation (Windows would bugcheck). */
  run(outcome: () => CallOutcome): bigint {
    const r = outcome();
    if (!r.ok) throw new Crash(r.message);
    return r.value;
  }

  private count(m: LoadedModule, delta: number, reason: string): void {
    m.loadCount += delta;
    this.emit({ event: "refcount", module: m.name, count: m.loadCount, reason });
  }

  /**
   * MmLoadSystemImage for an image not yet in the table: map (relocated), insert with
   * LoadCount 1 and "load in progress", resolve its imports — loading the modules they name,
   * depth first, as MiResolveImageReferences does by recursion. Here the recursion is an explicit
   * stack (one frame per image being resolved), so an import chain thousands of modules deep
   * cannot overflow the JavaScript stack. On failure each image still being resolved drops the
   * references it took and is removed again, innermost first, and the LoadError propagates.
   */
  loadImage(ntPath: string, by: LoadedModule | null, why: string): LoadedModule {
    const first = this.mapImage(ntPath, by, why);
    const stack: ResolveFrame[] = [{ m: first, next: 0, dir: ntDirectory(first.path), loaded: null }];
    try {
      while (stack.length > 0) {
        const f = stack[stack.length - 1]!;
        const imports = f.m.image!.imports;
        if (f.loaded) {
          // The module descriptor f.next named has been loaded with its own imports: initialise it, bind.
          const target = f.loaded;
          f.loaded = null;
          const desc = this.viaApiSet(f.m, imports[f.next]!);
          this.initializeDll(target, f.m);
          if (referenceNeeded(desc.dll)) f.m.references.push(target);
          this.bindDescriptor(f.m, desc, target);
          f.next++;
          continue;
        }
        if (f.next >= imports.length) {
          f.m.loading = false;
          stack.pop();
          if (stack.length > 0) stack[stack.length - 1]!.loaded = f.m;
          continue;
        }
        const desc = this.viaApiSet(f.m, imports[f.next]!);
        const target = this.existingImport(f.m, desc);
        if (target) {
          this.bindDescriptor(f.m, desc, target);
          f.next++;
          continue;
        }
        const via = desc.dll === imports[f.next]!.dll ? undefined : imports[f.next]!.dll;
        const child = this.mapImage(f.dir + desc.dll, f.m, `imported by ${f.m.name}${via ? ` through the kernel API set ${via}` : ""}`, via);
        stack.push({ m: child, next: 0, dir: ntDirectory(child.path), loaded: null });
      }
    } catch (e) {
      if (e instanceof LoadError) {
        for (let k = stack.length - 1; k >= 0; k--) {
          const m = stack[k]!.m;
          const refs = m.references;
          m.references = [];
          this.dereferenceImports(refs, m);
          this.removeImage(m, "its imports could not be resolved");
        }
      }
      throw e;
    }
    return first;
  }

  /** Open and map one image, insert it into the table with LoadCount 1 ("load in progress"). */
  private mapImage(ntPath: string, by: LoadedModule | null, why: string, apiSet?: string): LoadedModule {
    const name = ntBaseName(ntPath);
    const opened = this.o.images.open(ntPath);
    if (!opened.ok) {
      const missing = opened.status === STATUS.OBJECT_NAME_NOT_FOUND;
      const note = by && missing && !apiSet ? missingSystemModuleNote(name) : null;
      const what = apiSet ? `${name} (the host of the kernel API set ${apiSet}, which kmdll does not emulate)` : name;
      throw this.failure(opened.status, by?.name ?? name, by ? name : undefined, by ? `${missing ? "cannot find" : "cannot load"} ${what}: ${opened.message}${note ? ` (${note})` : ""}` : opened.message);
    }
    const m: LoadedModule = {
      name,
      path: ntPath,
      hostPath: opened.hostPath,
      image: opened.image,
      base: 0n,
      loadCount: 0,
      references: [],
      loading: true,
      builtin: false,
      service: null,
      loadedBy: by?.name ?? null,
    };
    try {
      m.base = this.o.executor.mapImage(name, opened.image, opened.bytes);
    } catch (e) {
      // An image the executor cannot map (bad sections, unsupported layout, no address space
      // left) fails like a bad image / a failed allocation.
      if (e instanceof KmdllError) {
        const status = e instanceof ImageLoadError ? e.status : e instanceof ResourceLimitError ? STATUS.INSUFFICIENT_RESOURCES : STATUS.INVALID_IMAGE_FORMAT;
        throw this.failure(status, by?.name ?? name, by ? name : undefined, by ? `cannot load ${name}: ${e.message}` : `cannot be mapped: ${e.message}`);
      }
      throw e;
    }
    this.o.table.insert(m);
    this.emit({ event: "load", module: name, path: ntPath, by: by?.name ?? null, base: hex(m.base), reason: why });
    this.count(m, 1, why);
    return m;
  }

  /**
   * The checks MiResolveImageReferences makes on a descriptor's DLL name, and the module it
   * names when that is already loaded (its reference taken); undefined when it must be loaded.
   */
  private existingImport(m: LoadedModule, desc: ImportModule): LoadedModule | undefined {
    const dll = desc.dll;
    if (isUserModeDll(dll)) {
      throw this.failure(STATUS.PROCEDURE_NOT_FOUND, m.name, dll, `imports user-mode ${dll}, which the kernel refuses`);
    }
    const bad = unsafeImportName(dll);
    if (bad) {
      throw this.failure(STATUS.OBJECT_NAME_INVALID, m.name, dll, `imports "${dll}", refused: the name ${bad}`);
    }
    const target = this.o.table.find(dll);
    if (target && referenceNeeded(dll) && !target.builtin && !target.loading) {
      this.count(target, 1, `imported by ${m.name}`);
      m.references.push(target);
    }
    return target;
  }

  /** A kernel API set import names its host module (nt/api-sets.ts); a contract kmdll's schema lacks fails the load, said so. */
  private viaApiSet(m: LoadedModule, desc: ImportModule): ImportModule {
    const host = kernelApiSetHost(desc.dll);
    if (host === undefined) return desc;
    if (host === null)
      throw this.failure(STATUS.OBJECT_NAME_NOT_FOUND, m.name, desc.dll, `imports the kernel API set ${desc.dll}, which kmdll's API set schema does not map to a module (Windows resolves it through ApiSetSchema.dll; kmdll maps ${knownKernelApiSets().join(", ")})`);
    return { ...desc, dll: host };
  }

  /** Snap every function of a descriptor against its (loaded) module. */
  private bindDescriptor(m: LoadedModule, desc: ImportModule, target: LoadedModule): void {
    const dll = desc.dll;
    if (desc.functions.length === 0) {
      this.emit({
        event: "warning",
        module: m.name,
        message: `${m.name} imports nothing from ${dll} (empty import lookup table): ${dll} is loaded but no function is bound; a call through it jumps to an unrelocated RVA (GNU ld linked against an LLVM/MSVC short-format import library?)`,
      });
    }
    for (const f of desc.functions) this.snap(m, target, f);
  }

  /** MmCallDllInitialize right after a fresh load as a dependency; failure unloads it directly. */
  initializeDll(dll: LoadedModule, importer: { name: string }): void {
    const rva = locateExport(dll.image, "DllInitialize");
    if (rva === null) return;
    const regPath = dllRegistryPath(dll.name);
    this.emit({ event: "call", module: dll.name, routine: "DllInitialize", arg: regPath });
    const status = Number(this.run(() => this.o.executor.callDllInitialize(dll.name, rva, regPath)) & 0xffffffffn) >>> 0;
    this.emit({ event: "return", module: dll.name, routine: "DllInitialize", status: formatStatus(status) });
    if (!ntSuccess(status)) {
      const err = this.failure(status, importer.name, dll.name, `cannot load ${dll.name}: its DllInitialize failed`, "DllInitialize");
      // MmUnloadSystemImage directly: no DllUnload for a DLL that never initialised.
      this.unloadImage(dll, `its DllInitialize failed`);
      throw err;
    }
  }

  /** MiSnapThunk: resolve one import and write its IAT slot. */
  private snap(m: LoadedModule, target: LoadedModule, f: ImportedFunction): void {
    const address = this.resolve(target, f.name, f.ordinal, f.hint, 0);
    if (typeof address === "number") {
      const what = importLabel(f);
      // ntoskrnl/hal export what the export database lists; the other built-in modules are partial models.
      const partial = target.builtin && !KERNEL_IMAGES.has(target.name.toLowerCase());
      const note = partial ? ` (kmdll's ${target.name} models the Windows module with only the routines kmdll emulates or lists; if the target Windows' ${target.name} exports ${what}, this is a gap of the emulator, not of the driver)` : "";
      throw this.failure(address, m.name, `${target.name}!${what}`, `cannot find ${target.name} ${what}${note}`);
    }
    this.o.executor.writeIat(m.name, f.iatRva, address);
  }

  /** Address of an export, or the failure status. Forwarders resolve only against loaded modules. */
  private resolve(target: LoadedModule, name: string | null, ordinal: number | null, hint: number | null, depth: number): bigint | number {
    if (target.builtin) {
      const a = this.o.executor.kernelExport(target.name, name, name === null ? ordinal : null);
      if (a !== null) return a;
      return name === null ? STATUS.DRIVER_ORDINAL_NOT_FOUND : STATUS.DRIVER_ENTRYPOINT_NOT_FOUND;
    }
    const exp = target.image?.exports ?? null;
    const r: ExportLookup = name !== null ? lookupByName(exp, name, hint) : lookupByOrdinal(exp, ordinal ?? 0);
    if (r.kind === "error") return r.status;
    if (r.kind === "rva") {
      if (r.rva === 0) this.emit({ event: "warning", module: target.name, message: `export slot #${r.ordinal} of ${target.name} is empty: it resolves to the image base` });
      return target.base + BigInt(r.rva);
    }
    const fwd = parseForwarder(r.target);
    const what = `${target.name}!${name ?? `#${ordinal}`}`;
    if (!fwd) {
      this.emit({ event: "warning", module: target.name, message: `${what} is forwarded to "${r.target}", which is not DLL.Name or DLL.#N` });
      return STATUS.DRIVER_ENTRYPOINT_NOT_FOUND;
    }
    if (depth > 16) {
      this.emit({ event: "warning", module: target.name, message: `forwarder chain longer than 16 links at ${what} → ${r.target} (a forwarding loop?)` });
      return STATUS.DRIVER_ENTRYPOINT_NOT_FOUND;
    }
    const into = this.o.table.findByPrefix(fwd.dll + ".");
    if (!into) {
      this.emit({ event: "warning", module: target.name, message: `${what} is forwarded to ${r.target}, but no module ${fwd.dll}.* is loaded: the kernel resolves forwarders only against modules already loaded` });
      return STATUS.DRIVER_ENTRYPOINT_NOT_FOUND;
    }
    const a = this.resolve(into, fwd.name, fwd.ordinal, 0, depth + 1);
    return typeof a === "number" ? STATUS.DRIVER_ENTRYPOINT_NOT_FOUND : a;
  }

  /**
   * MmUnloadSystemImage: LoadCount −1; at zero remove the image and dereference what it references.
   */
  unloadImage(m: LoadedModule, why: string): void {
    if (m.builtin) return;
    this.count(m, -1, why);
    if (m.loadCount > 0) return;
    this.removeImage(m, why);
    const refs = m.references;
    m.references = [];
    this.dereferenceImports(refs, m);
  }

  /** Take an image out of the table and unmap it (its imports are handled by the caller). */
  private removeImage(m: LoadedModule, why: string): void {
    if (!this.o.table.has(m)) return;
    this.o.table.remove(m);
    this.emit({ event: "unload", module: m.name, reason: why });
    this.o.executor.unmapImage(m.name);
  }

  /** The DllUnload routine the unload-at-zero path may call under the current semantics. */
  unloadRoutine(m: LoadedModule): { rva: number | null; why: string } {
    const unload = locateExport(m.image, "DllUnload");
    const init = locateExport(m.image, "DllInitialize");
    if (unload === null) return { rva: null, why: "it exports no DllUnload" };
    if (this.o.semantics === "documented" && init === null) {
      return { rva: null, why: "it exports DllUnload but no DllInitialize, so the documented reference-count mechanism is not active" };
    }
    return { rva: unload, why: "" };
  }

  /**
   * MiDereferenceImports: each referenced module −1; at zero, DllUnload and unload, then the
   * same for what it referenced (depth first, as the kernel's recursion does, with an explicit
   * stack so that a long unload cascade cannot overflow the JavaScript stack).
   */
  dereferenceImports(refs: LoadedModule[], by: { name: string }): void {
    const stack: { refs: LoadedModule[]; next: number; by: { name: string } }[] = [{ refs, next: 0, by }];
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      if (f.next >= f.refs.length) {
        stack.pop();
        continue;
      }
      const dll = f.refs[f.next++]!;
      if (!this.o.table.has(dll) || dll.builtin) continue;
      this.count(dll, -1, `dereferenced by ${f.by.name}`);
      if (dll.loadCount > 0) continue;
      const saved = dll.references;
      dll.references = [];
      if (this.callDllUnloadAndUnload(dll)) stack.push({ refs: saved, next: 0, by: dll });
      else dll.references = saved;
    }
  }

  /** MiCallDllUnloadAndUnloadDll: no DllUnload, or it fails → the DLL stays loaded with count 0. */
  private callDllUnloadAndUnload(dll: LoadedModule): boolean {
    const { rva, why } = this.unloadRoutine(dll);
    if (rva === null) {
      this.emit({ event: "warning", module: dll.name, message: `${dll.name} stays loaded with count 0 (pinned): ${why}` });
      return false;
    }
    this.emit({ event: "call", module: dll.name, routine: "DllUnload" });
    const status = Number(this.run(() => this.o.executor.callDllUnload(dll.name, rva)) & 0xffffffffn) >>> 0;
    this.emit({ event: "return", module: dll.name, routine: "DllUnload", status: formatStatus(status) });
    if (!ntSuccess(status)) {
      this.emit({ event: "warning", module: dll.name, message: `${dll.name} stays loaded with count 0: its DllUnload returned ${formatStatus(status)}` });
      return false;
    }
    this.removeImage(dll, "its DllUnload succeeded");
    return true;
  }
}
