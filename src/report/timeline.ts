/**
 * What `kmdll sim` and `kmdll demo` print around the event lines (src/report/event-text.ts): the
 * module table after a run, and the narration of a lifecycle that ties each loader action to the
 * rule of the seeds it shows.
 */
import { widest } from "../text/width.js";
import type { TraceEvent } from "../events.js";

export interface ModuleTableRow {
  module: string;
  count: number;
  path?: string;
  service?: string | null;
  loadedBy?: string | null;
  pinned?: boolean;
}

/** The module table after the run (ntoskrnl.exe and hal.dll are always loaded and not counted). */
export function renderModuleTable(rows: ModuleTableRow[]): string {
  const out = ["Loaded modules (besides ntoskrnl.exe and hal.dll, never counted):"];
  if (rows.length === 0) return out.concat("  (none)").join("\n") + "\n";
  const width = widest(rows.map((r) => r.module), 6);
  out.push(`  ${"module".padEnd(width)}  count  role`);
  for (const r of rows) {
    const role: string[] = [];
    if (r.service) role.push(`service ${r.service}`);
    if (r.loadedBy) role.push(`loaded for ${r.loadedBy}`);
    if (r.pinned) role.push("pinned (count 0, stays loaded)");
    out.push(`  ${r.module.padEnd(width)}  ${String(r.count).padStart(5)}  ${role.join(", ")}`);
  }
  return out.join("\n") + "\n";
}

/** A rule of the seeds, quoted ("Calling a DLL in a Kernel-Mode Driver" / "Creating Export Drivers"). */
export interface SeedRule {
  quote: string;
  source: "Calling a DLL in a Kernel-Mode Driver" | "Creating Export Drivers";
}

export const SEED_RULES = {
  loadOnImport: { quote: "Install the export driver .sys file in the %windir%\\system32\\drivers directory. It will be loaded the first time any other driver calls into it.", source: "Calling a DLL in a Kernel-Mode Driver" },
  dllInitialize: { quote: "The system calls a kernel-mode DLL's DllInitialize routine immediately after the DLL is loaded.", source: "Creating Export Drivers" },
  registryPath: { quote: "RegistryPath is a pointer to a counted Unicode string specifying the path to the DLL's registry key, HKEY_LOCAL_MACHINE\\CurrentControlSet\\Services\\DllName. [...] The buffer pointed to by RegistryPath is freed once DllInitialize exits.", source: "Creating Export Drivers" },
  stubDriverEntry: { quote: "An export driver has a stub DriverEntry routine that is never called.", source: "Creating Export Drivers" },
  refcount: { quote: "the operating system keeps a reference count that indicates the number of times that the export driver's functions have been imported by other drivers.", source: "Creating Export Drivers" },
  decrement: { quote: "The system decrements this count whenever one of the importing drivers unloads.", source: "Creating Export Drivers" },
  unloadAtZero: { quote: "When the reference count falls to zero, the system unloads the export driver.", source: "Creating Export Drivers" },
  dllUnload: { quote: "The system calls a kernel-mode DLL's DllUnload routine when it unloads the DLL.", source: "Creating Export Drivers" },
  bothRoutines: { quote: "the export driver must contain the standard entry point and unload routines, DllInitialize and DllUnload, or the operating system will not activate this reference count mechanism.", source: "Creating Export Drivers" },
  privateEntries: { quote: "Even if you use DECLSPEC_EXPORT, your .def file must contain at least DllInitialize and DllUnload so you can mark these functions as PRIVATE.", source: "Calling a DLL in a Kernel-Mode Driver" },
  kernelOnly: { quote: "Even if you avoid making explicit user-mode API calls in the DLL source code [...] the kernel wouldn't load it anyway.", source: "Calling a DLL in a Kernel-Mode Driver" },
  mmGetSystemRoutineAddress: { quote: "MmGetSystemRoutineAddress is similar, but it will dynamically resolve exports only from Ntoskrnl.exe or the HAL.", source: "Calling a DLL in a Kernel-Mode Driver" },
} satisfies Record<string, SeedRule>;

/** One sentence of narration: what the kernel did, and the seed rule it shows. */
export interface Narration {
  /** The step it belongs to ("start client"). */
  step: string;
  text: string;
  rule?: SeedRule;
}

/**
 * Explain a lifecycle trace in words, tying each loader action to the seed rule it demonstrates.
 * Derived from the events only: what did not happen is not narrated.
 */
export function narrateLifecycle(events: TraceEvent[]): Narration[] {
  const out: Narration[] = [];
  let step = "";
  const dependencies = new Set<string>();
  const entered = new Set<string>();
  const flushStep = () => {
    for (const d of dependencies) {
      if (!entered.has(d)) out.push({ step, text: `${d}'s DriverEntry was never called: it was loaded as a DLL, not started.`, rule: SEED_RULES.stubDriverEntry });
    }
    dependencies.clear();
  };
  for (const e of events) {
    switch (e.event) {
      case "step":
        if (e["phase"] === "begin") {
          flushStep();
          step = e.step;
        }
        break;
      case "load":
        if (e.by) {
          dependencies.add(e.module);
          out.push({ step, text: `${e.module} was not loaded yet, and ${e.by} imports it: the kernel loaded it from ${e.path}, the importer's directory.`, rule: SEED_RULES.loadOnImport });
        } else {
          out.push({ step, text: `${e.module} was loaded as a service image (${e.path}); its imports were resolved before anything ran.` });
        }
        break;
      case "refcount":
        if (e.reason?.startsWith("imported by")) {
          out.push({ step, text: `${e.module}'s count is now ${e.count} (${e.reason}).`, rule: SEED_RULES.refcount });
        } else if (e.reason?.startsWith("dereferenced by")) {
          out.push({ step, text: `${e.reason.replace("dereferenced by ", "")} unloaded, so ${e.module}'s count dropped to ${e.count}.`, rule: SEED_RULES.decrement });
        }
        break;
      case "call":
        if (e.routine === "DllInitialize") {
          out.push({ step, text: `Right after loading it, the kernel called ${e.module}!DllInitialize with RegistryPath "${e.arg}".`, rule: SEED_RULES.dllInitialize });
          out.push({ step, text: `That path is the services key plus the DLL's base name without extension; the string was freed when DllInitialize returned.`, rule: SEED_RULES.registryPath });
        } else if (e.routine === "DllUnload") {
          out.push({ step, text: `The count reached zero, so the kernel called ${e.module}!DllUnload...`, rule: SEED_RULES.dllUnload });
        } else if (e.routine === "DriverEntry") {
          entered.add(e.module);
          out.push({ step, text: `Only then did ${e.module}!DriverEntry run (a standard driver), with "${e.arg}".` });
        }
        break;
      case "unload":
        if (dependencies.has(e.module) || e.reason === "its DllUnload succeeded") {
          out.push({ step, text: `...and unloaded ${e.module}.`, rule: SEED_RULES.unloadAtZero });
        } else {
          out.push({ step, text: `${e.module} was unloaded (${e.reason ?? "count 0"}).` });
        }
        break;
      case "warning":
        if (/pinned|stays loaded/.test(e.message)) out.push({ step, text: e.message, rule: SEED_RULES.bothRoutines });
        else if (/MmGetSystemRoutineAddress/.test(e.message)) out.push({ step, text: e.message, rule: SEED_RULES.mmGetSystemRoutineAddress });
        break;
      case "fail":
        out.push({ step, text: e.message ?? `${e.module} failed with ${e.status}`, ...(e.cause === "0xC000007A" ? { rule: SEED_RULES.kernelOnly } : {}) });
        break;
      default:
        break;
    }
  }
  flushStep();
  return out;
}

/** Narration as indented text, the quoted rule under each sentence. */
export function renderNarration(items: Narration[]): string {
  const lines: string[] = [];
  let step: string | null = null;
  for (const n of items) {
    if (n.step !== step) {
      step = n.step;
      lines.push(`  ${step}:`);
    }
    lines.push(`    - ${n.text}`);
    if (n.rule) lines.push(`        seed: "${n.rule.quote}" (${n.rule.source})`);
  }
  return lines.join("\n") + (lines.length ? "\n" : "");
}
