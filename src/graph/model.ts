/**
 * The import (dependency) graph of a set of driver images: the model every graph renderer
 * (DOT, Mermaid, SVG, HTML) and `kmdll scan` share. Pure: no I/O.
 *
 * Nodes are modules, identified by their lower-case base name (the kernel loader matches
 * imports by base name, case-insensitively — SPEC §6). Edges are "importer imports from
 * module" with the imported names.
 *
 * Node kinds (the rule is documented in docs/graph-and-scan.md):
 * - `kernel`: ntoskrnl.exe (and its multiprocessor/PAE variants) and hal.dll — always present
 *   in a running kernel, whether or not an image was given for them; a given image is one when
 *   its file or its export directory has one of those names (a HAL variant, a renamed copy).
 * - `export-driver`: a given image that exports a routine (any export but its entry point —
 *   DriverEntry or the AddressOfEntryPoint RVA, which GNU ld exports without a .def — and
 *   import-library artifacts), or that another given image imports (ndis.sys, usbd.sys,
 *   ksecdd.sys, cng.sys export routines without DllInitialize/DllUnload and are still libraries
 *   other drivers link against); also a module that is not given but is a system export driver
 *   kmdll knows the exports of (usbd.sys, hidparse.sys, ...; then `external` is true).
 * - `driver`: any other given image (a standard driver).
 * - `missing`: imported but neither given nor known; `loadStatus` says how its importers fail to
 *   load (a user-mode DLL the loader refuses by name: 0xC000007A; anything else: 0xC0000034).
 */
import type { ExportFunction, PeImage } from "../formats/pe/types.js";
import { isKernelImage, isKernelModule } from "../nt/kernel-modules.js";
import { userModeDll } from "../nt/user-mode-dlls.js";
import { isKnownSystemModule } from "../nt/system-modules.js";
import { formatStatus } from "../nt/status.js";

export type ModuleKind = "driver" | "export-driver" | "kernel" | "missing";

/** A compact description of one image: what the graph and scan need, cheap to pass between threads. */
export interface ModuleSummary {
  /** Base file name as given (e.g. "mydriver.sys"). */
  name: string;
  /** Where the image was read from, when known. */
  path?: string;
  machine: string;
  subsystem: number;
  /** The export directory's DLL name, or null when there is no export directory. */
  exportName: string | null;
  /** Exported names (every name of every slot, forwarders included). */
  exportNames: string[];
  /** Exported ordinals (every non-empty slot). */
  exportOrdinals: number[];
  /** Names exported as forwarders ("Name" → "OTHER.Name"). */
  forwarders: Record<string, string>;
  /**
   * Exports a routine: an export other than the entry point (DriverEntry, or the function at
   * AddressOfEntryPoint) and import-library artifacts. Defaults to "has any export" when absent.
   */
  exportsRoutines?: boolean;
  imports: ModuleImport[];
}

export interface ModuleImport {
  dll: string;
  delay: boolean;
  /** Imported names; ordinal imports appear as "#N". */
  names: string[];
}

export interface GraphNode {
  /** Lower-case base name, or "kernel" for the collapsed kernel node. */
  id: string;
  /** Display name. */
  name: string;
  kind: ModuleKind;
  /** Not one of the given images (a kernel module, a known system export driver, or missing). */
  external: boolean;
  path?: string;
  machine?: string;
  subsystem?: number;
  exportCount?: number;
  /** Exports DllInitialize / DllUnload (given images only). */
  dllInitialize?: boolean;
  dllUnload?: boolean;
  /** For a collapsed node: the module names it stands for. */
  members?: string[];
  /** A `missing` module: a user-mode DLL (the kernel never loads one). */
  userMode?: boolean;
  /** A `missing` module: the status its importers fail to load with ("0xC0000034", "0xC000007A"). */
  loadStatus?: string;
}

export interface GraphEdge {
  /** Importer node id. */
  from: string;
  /** Imported module node id. */
  to: string;
  /** The DLL name exactly as the importer's import table spells it (several when collapsed). */
  dll: string;
  /** Imported names ("#N" for ordinals); prefixed "module!" on a collapsed kernel edge. */
  names: string[];
  /** Names/ordinals the target does not export (only when the target's exports are known). */
  unresolved: string[];
  /** Whether the target's export list was known, so `unresolved` is meaningful. */
  resolved: boolean;
  /** Delay-load import (not resolved by the kernel loader at load time). */
  delay: boolean;
}

export interface DepGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export { KERNEL_MODULES, isKernelModule } from "../nt/kernel-modules.js";

/** Exports of a module that was not given (kernel export database), or undefined when unknown. */
export type KnownExports = (module: string) => readonly { name: string; ordinal?: number }[] | undefined;

const MACHINE_NAMES: Record<number, string> = { 0x14c: "x86", 0x8664: "x64", 0xaa64: "arm64" };

function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Reduce a parsed image to what the graph needs. `name` defaults to the path's base name. */
export function summarizeImage(image: PeImage, path: string, name = baseName(path)): ModuleSummary {
  const exportNames: string[] = [];
  const exportOrdinals: number[] = [];
  const forwarders: Record<string, string> = {};
  const exportsRoutines = summarizeExports(image.exports?.functions ?? [], image.optional.addressOfEntryPoint, exportNames, exportOrdinals, forwarders);
  // Plain loops: spreading and mapping arrays of different element kinds (empty tables are
  // `[]`) made the optimized code of this function deoptimize and recompile over and over.
  const imports: ModuleImport[] = [];
  for (const m of image.imports) imports.push(importSummary(m, false));
  for (const m of image.delayImports) imports.push(importSummary(m, true));
  return {
    name,
    path,
    machine: typeof image.machine === "string" ? image.machine : MACHINE_NAMES[image.machine] ?? `0x${image.machine.toString(16)}`,
    subsystem: image.optional.subsystem,
    exportName: image.exports ? image.exports.dllName : null,
    exportNames,
    exportOrdinals,
    forwarders,
    exportsRoutines,
    imports,
  };
}

// The loops over export and import tables are small functions of their own: the optimizing
// compiler then compiles them, not all of summarizeImage.

/** Export names, ordinals and forwarders of a table; returns whether it exports a routine (not only the entry point or linker artifacts). */
function summarizeExports(functions: readonly ExportFunction[], entry: number, names: string[], ordinals: number[], forwarders: Record<string, string>): boolean {
  let routines = false;
  for (const f of functions) {
    ordinals.push(f.ordinal);
    for (const n of f.names) {
      names.push(n);
      if (f.forwarder) forwarders[n] = f.forwarder;
    }
    if (!routines && !isEntryOrArtifact(f, entry)) routines = true;
  }
  return routines;
}

/** A module's imported names ("#ordinal" for imports by ordinal). */
function importSummary(m: { dll: string; functions: readonly { name: string | null; ordinal: number | null }[] }, delay: boolean): ModuleImport {
  const names: string[] = [];
  for (const f of m.functions) names.push(f.name !== null ? f.name : `#${f.ordinal ?? "?"}`);
  return { dll: m.dll, delay, names };
}

/** "_DriverEntry@8" / "DriverEntry" → "driverentry". */
function undecorated(name: string): string {
  const n = name.startsWith("_") ? name.slice(1) : name;
  const at = n.indexOf("@");
  return (at > 0 ? n.slice(0, at) : n).toLowerCase();
}

/**
 * An export that is not a routine offered to other drivers: the entry point (DriverEntry, or the
 * function at AddressOfEntryPoint — GNU ld exports it when linking without a .def) or a symbol of
 * a short import library GNU ld re-exports (__IMPORT_DESCRIPTOR_x, x_NULL_THUNK_DATA).
 */
function isEntryOrArtifact(f: { names: string[]; rva: number | null; forwarder: string | null }, entry: number): boolean {
  if (f.forwarder) return false;
  if (entry !== 0 && f.rva === entry) return true;
  if (f.names.length === 0) return false;
  return f.names.every((n) => undecorated(n) === "driverentry" || n.startsWith("__IMPORT_DESCRIPTOR_") || n === "__NULL_IMPORT_DESCRIPTOR" || n.endsWith("_NULL_THUNK_DATA"));
}

export interface BuildGraphOptions {
  /** Exports of modules that are not given (default: none known). */
  knownExports?: KnownExports;
  /** Include delay-load imports as edges (default true). */
  delayImports?: boolean;
}

/**
 * Build the import graph of the given modules. Imports are matched to given modules by
 * base name, case-insensitively; ntoskrnl/hal become `kernel` nodes; names are checked
 * against the target's exports (given image, else `knownExports`).
 */
export function buildGraph(modules: readonly ModuleSummary[], opts: BuildGraphOptions = {}): DepGraph {
  const known = opts.knownExports ?? (() => undefined);
  const given = new Map<string, ModuleSummary>();
  for (const m of modules) if (!given.has(m.name.toLowerCase())) given.set(m.name.toLowerCase(), m);

  // Who imports whom (among given modules), for the export-driver rule.
  const importedBy = new Map<string, Set<string>>();
  for (const m of given.values()) {
    for (const imp of m.imports) {
      const t = imp.dll.toLowerCase();
      if (t === m.name.toLowerCase()) continue;
      if (!importedBy.has(t)) importedBy.set(t, new Set());
      importedBy.get(t)!.add(m.name.toLowerCase());
    }
  }

  const nodes = new Map<string, GraphNode>();
  for (const [id, m] of given) {
    const dllInitialize = m.exportNames.includes("DllInitialize");
    const dllUnload = m.exportNames.includes("DllUnload");
    const exportsRoutines = m.exportsRoutines ?? m.exportOrdinals.length > 0;
    let kind: ModuleKind;
    if (isKernelImage(m.name, m.exportName)) kind = "kernel";
    else if (exportsRoutines || dllInitialize || dllUnload || (m.exportOrdinals.length > 0 && importedBy.has(id))) kind = "export-driver";
    else kind = "driver";
    nodes.set(id, {
      id,
      name: m.name,
      kind,
      external: false,
      ...(m.path !== undefined ? { path: m.path } : {}),
      machine: m.machine,
      subsystem: m.subsystem,
      exportCount: m.exportOrdinals.length,
      dllInitialize,
      dllUnload,
    });
  }

  const edges: GraphEdge[] = [];
  const edgeIndex = new Map<string, GraphEdge>();
  const resolvers = new Map<string, ((n: string) => boolean) | undefined>();
  for (const [fromId, m] of given) {
    for (const imp of m.imports) {
      if (imp.delay && opts.delayImports === false) continue;
      const toId = imp.dll.toLowerCase();
      if (!nodes.has(toId)) {
        const kernel = isKernelModule(toId);
        // A system module the database does not describe (wdfldr.sys, fltmgr.sys, ...) is an
        // external export driver whose names are not checked, not a missing module.
        const kind: ModuleKind = kernel ? "kernel" : known(toId) || isKnownSystemModule(toId) ? "export-driver" : "missing";
        const um = kind === "missing" ? userModeDll(imp.dll) : null;
        nodes.set(toId, {
          id: toId,
          name: kernel ? toId : imp.dll,
          kind,
          external: true,
          ...(kind === "missing" ? { loadStatus: formatStatus(um?.refusedByLoader ? 0xc000007a : 0xc0000034), ...(um ? { userMode: true } : {}) } : {}),
        });
      }
      // Which names does the target export? (one lookup function per target)
      const target = given.get(toId);
      let exported: ((n: string) => boolean) | undefined = resolvers.get(toId);
      if (resolvers.has(toId)) {
        /* cached */
      } else if (target) {
        const names = new Set(target.exportNames);
        const ords = new Set(target.exportOrdinals);
        exported = (n) => (n.startsWith("#") ? ords.has(Number(n.slice(1))) : names.has(n));
      } else {
        const k = known(toId);
        if (k) {
          const names = new Set(k.map((e) => e.name));
          const ords = new Set(k.flatMap((e) => (e.ordinal !== undefined ? [e.ordinal] : [])));
          exported = (n) => (n.startsWith("#") ? ords.has(Number(n.slice(1))) : names.has(n));
        }
      }
      resolvers.set(toId, exported);
      const key = `${fromId}\0${toId}\0${imp.delay}`;
      const existing = edgeIndex.get(key);
      const names = existing ? [...existing.names, ...imp.names] : [...imp.names];
      const unresolved = exported ? imp.names.filter((n) => !exported!(n)) : [];
      if (existing) {
        existing.names = names;
        for (const n of unresolved) existing.unresolved.push(n);
      } else {
        const edge: GraphEdge = { from: fromId, to: toId, dll: imp.dll, names, unresolved, resolved: exported !== undefined, delay: imp.delay };
        edges.push(edge);
        edgeIndex.set(key, edge);
      }
    }
  }
  return { nodes: [...nodes.values()], edges };
}

export interface ViewOptions {
  /**
   * How to show ntoskrnl/hal: "collapse" (default) merges them into one `kernel` node whose edges
   * carry "module!name" labels; "expand" keeps one node per kernel module; "hide" drops them.
   */
  kernel?: "collapse" | "expand" | "hide";
}

/** A view of the graph for display (kernel nodes collapsed, expanded or hidden). */
export function graphView(g: DepGraph, opts: ViewOptions = {}): DepGraph {
  const mode = opts.kernel ?? "collapse";
  if (mode === "expand") return g;
  const kernelIds = new Set(g.nodes.filter((n) => n.kind === "kernel").map((n) => n.id));
  const isK = (id: string) => kernelIds.has(id);
  const kernelNodes = g.nodes.filter((n) => n.kind === "kernel");
  if (mode === "hide") {
    return { nodes: g.nodes.filter((n) => n.kind !== "kernel"), edges: g.edges.filter((e) => !isK(e.from) && !isK(e.to)) };
  }
  if (kernelNodes.length === 0) return g;
  const kid = "kernel";
  const nodes: GraphNode[] = g.nodes.filter((n) => n.kind !== "kernel");
  nodes.push({
    id: kid,
    name: kernelNodes.map((n) => n.name).join(" + "),
    kind: "kernel",
    external: kernelNodes.every((n) => n.external),
    members: kernelNodes.map((n) => n.name),
  });
  const edges: GraphEdge[] = [];
  const edgeIndex = new Map<string, GraphEdge>();
  for (const e of g.edges) {
    const from = isK(e.from) ? kid : e.from;
    const to = isK(e.to) ? kid : e.to;
    if (from === kid && to === kid) continue;
    // Names on a collapsed kernel edge say which kernel module exports them (when there are several).
    const prefix = to === kid && to !== e.to && kernelNodes.length > 1 ? `${e.to}!` : "";
    const names = e.names.map((n) => prefix + n);
    const unresolved = e.unresolved.map((n) => prefix + n);
    const key = `${from}\0${to}\0${e.delay}`;
    const existing = edgeIndex.get(key);
    if (existing) {
      for (const n of names) existing.names.push(n);
      for (const n of unresolved) existing.unresolved.push(n);
      existing.resolved &&= e.resolved;
      if (!existing.dll.split(", ").includes(e.dll)) existing.dll += `, ${e.dll}`;
    } else {
      const edge: GraphEdge = { ...e, from, to, names, unresolved };
      edges.push(edge);
      edgeIndex.set(key, edge);
    }
  }
  return { nodes, edges };
}

/**
 * The neighbourhood of some modules: them, the modules they import and the modules that import
 * them (one hop each way). Unknown names are ignored; ids are matched case-insensitively.
 */
export function focusGraph(g: DepGraph, modules: readonly string[]): DepGraph {
  const want = new Set(modules.map((m) => m.toLowerCase()));
  const keep = new Set<string>(g.nodes.filter((n) => want.has(n.id)).map((n) => n.id));
  for (const e of g.edges) {
    if (want.has(e.from)) keep.add(e.to);
    if (want.has(e.to)) keep.add(e.from);
  }
  return {
    nodes: g.nodes.filter((n) => keep.has(n.id)),
    edges: g.edges.filter((e) => (want.has(e.from) || want.has(e.to)) && keep.has(e.from) && keep.has(e.to)),
  };
}

/** Modules that import the given module (node ids). */
export function importersOf(g: DepGraph, id: string): string[] {
  return [...new Set(g.edges.filter((e) => e.to === id).map((e) => e.from))].sort();
}

export const KIND_LABEL: Record<ModuleKind, string> = {
  driver: "standard driver",
  "export-driver": "export driver",
  kernel: "kernel",
  missing: "missing",
};
