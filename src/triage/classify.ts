/**
 * The outcome class of one driver's start and stop (docs/triage.md), from the structured facts of
 * its `kmdll sim --json` run (observe.ts) and how the child process ended. Pure.
 *
 * The first thing that went wrong decides: the start step (image load, DriverEntry), then the
 * stop step (DriverUnload), then the findings at unload. Load failures are classified on the
 * `fail` event's cause status and `missing` name, DriverEntry failures on `routine: "DriverEntry"`
 * and the refusal warnings seen during the start, crashes on the fault kind.
 */
import { STATUS, formatStatus, parseStatus, statusName } from "../nt/status.js";
import { isKernelApiSetName } from "../nt/api-sets.js";
import { isWindowsModule } from "./inputs.js";
import type { FailFacts, Observed, StepFacts } from "./observe.js";
import type { TriageClass, TriageFault, TriageResult } from "./types.js";

/** How the child process ended. */
export interface ChildEnd {
  /** Killed by triage: its wall-clock budget ran out, or its memory passed the cap. */
  killed?: { why: "timeout"; seconds: number } | { why: "memory"; mib: number };
  code: number | null;
  signal: string | null;
  /** The first line of its standard error output (kmdll's own error message). */
  stderr: string;
}

type Verdict = Pick<TriageResult, "class" | "reason" | "key" | "phase"> & Partial<Pick<TriageResult, "status" | "statusName" | "fault" | "failedCall" | "missing" | "findings">>;

const v = (cls: TriageClass, phase: TriageResult["phase"], key: string, reason: string, extra: Partial<Verdict> = {}): Verdict => ({ class: cls, phase, key, reason, ...extra });

/** Module names without their extension, as kmdll names routines: "ntoskrnl.exe!X" → "ntoskrnl!X". */
const routineName = (api: string) => api.replace(/\.(exe|dll|sys)!/i, "!");

const REFUSALS: Record<string, string> = {
  "ndis5-miniport": "NDIS 5.x miniport: Windows 8 and later refuse its registration (NDIS_STATUS_BAD_VERSION)",
  "integrity-check": "callback registration needs an image linked with /INTEGRITYCHECK (STATUS_ACCESS_DENIED)",
};

/** The kmdll limits a `warning` event names in its `limit` field (observe.ts). */
const LIMITS: Record<string, string> = {
  "windows-code": "it reads Windows' own code (kmdll's system modules carry export thunks only)",
  "windows-export": "a routine kmdll's system module does not export",
  "kmdf-class-extension": "a KMDF class extension kmdll does not model",
  "machine-state": "machine state kmdll does not model",
};

/** A crash: the driver's own (driver-fault) or where kmdll stops (kmdll-gap). */
function faultVerdict(f: TriageFault & { outsideBuiltin?: boolean; selfDeadlock?: boolean }, phase: "start" | "stop", limit?: StepFacts["limit"]): Verdict {
  const where = `${f.rip ?? "?"}${f.symbol ? ` (${f.symbol})` : ""}`;
  const fault = { ...f };
  delete (fault as { outsideBuiltin?: boolean }).outsideBuiltin;
  delete (fault as { selfDeadlock?: boolean }).selfDeadlock;
  const routine = phase === "start" ? "DriverEntry" : "DriverUnload";
  // A wait only the waiting thread could end (a recursive acquire, a port only it can close): Windows hangs there too.
  if (f.kind === "deadlock" && f.selfDeadlock) return v("driver-fault", phase, `self-deadlock in ${routine}`, `${f.message}${f.rip && f.message.includes(f.rip) ? "" : ` at ${where}`} (${routine}; Windows hangs there too)`, { fault });
  switch (f.kind) {
    case "unimplemented-api": {
      const api = routineName(f.api ?? "a kernel routine");
      return v("kmdll-gap", phase, `unimplemented ${api}`, `kmdll does not implement ${api} (called from ${where} in ${routine})`, { fault });
    }
    case "timeout":
      // The last slice of the budget showed the driver's own endless loop (src/emu/loop-probe.ts): its bug, Windows hangs too.
      if (f.loop?.own) return v("driver-fault", phase, `endless loop in ${routine}`, `${routine} never returns: ${f.loop.why} (Windows hangs there too)`, { fault });
      return v("kmdll-gap", phase, "time budget exceeded", `${f.message}${f.rip && f.message.includes(f.rip) ? "" : ` at ${where}`} (${routine})${f.loop ? `; kmdll cannot tell whether it would end on Windows: ${f.loop.why}` : ""}`, { fault });
    case "deadlock":
      return v("kmdll-gap", phase, "deadlock (single emulated thread)", `${f.message}${f.rip && f.message.includes(f.rip) ? "" : ` at ${where}`} (${routine})`, { fault });
    case "emulator-gap":
    case "internal":
      return v("kmdll-gap", phase, f.kind === "internal" ? "kmdll internal error" : "machine state kmdll does not model", `${f.message} (${routine})`, { fault });
  }
  if (f.outsideBuiltin) return v("kmdll-gap", phase, "reads Windows' own code (kmdll's modules carry export thunks only)", `${f.message} (${routine})`, { fault });
  // A crash after the driver went looking in Windows' own code: what it looked for is not there.
  if (limit?.kind === "windows-code") return v("kmdll-gap", phase, "reads Windows' own code (kmdll's modules carry export thunks only)", `${f.message} in ${routine}, after ${limit.message}`, { fault });
  const code = f.kind === "bugcheck" && f.code ? ` 0x${f.code.replace(/^0x0*/i, "").toUpperCase() || "0"}` : "";
  const bytes = f.instructionBytes ? ` [${f.instructionBytes}]` : "";
  const at = f.rip && f.message.includes(f.rip) ? (f.symbol && !f.message.includes(f.symbol) ? ` (${f.symbol})` : "") : ` at ${where}`;
  return v("driver-fault", phase, `${f.kind}${code} in ${routine}`, `${f.message}${at} in ${routine}${bytes}`, { fault });
}

/** A load failure, from its cause status and what was missing. */
function loadVerdict(f: FailFacts): Verdict {
  const cause = parseStatus(f.cause ?? f.status) ?? STATUS.UNSUCCESSFUL;
  const st = { status: formatStatus(cause), ...(statusName(cause) ? { statusName: statusName(cause)! } : {}) };
  const message = f.message ?? formatStatus(cause);
  const missing = f.missing;
  const withMissing = missing ? { ...st, missing } : st;
  if (cause === STATUS.INVALID_IMAGE_FORMAT) return v("windows-refuses", "load", "not a valid image (STATUS_INVALID_IMAGE_FORMAT)", message, st);
  if (cause === STATUS.CONFLICTING_ADDRESSES) return v("windows-refuses", "load", "relocations stripped, preferred base taken (STATUS_CONFLICTING_ADDRESSES)", message, st);
  if (cause === STATUS.PROCEDURE_NOT_FOUND && missing && !missing.includes("!")) return v("windows-refuses", "load", `imports user-mode ${missing}`, message, withMissing);
  if (cause === STATUS.OBJECT_NAME_NOT_FOUND && missing) {
    if (isKernelApiSetName(missing)) return v("kmdll-gap", "load", `kernel API set not in kmdll's schema: ${missing.toLowerCase()}`, message, withMissing);
    if (isWindowsModule(missing)) return v("kmdll-gap", "load", `kmdll does not emulate the system module ${missing.toLowerCase()}`, `kmdll does not emulate the system module ${missing} (part of Windows, not the driver's fault): ${message}`, withMissing);
    return v("windows-refuses", "load", `missing companion driver ${missing.toLowerCase()}`, `${message}: ${missing} is not part of Windows and not in the driver's folder`, withMissing);
  }
  if ((cause === STATUS.DRIVER_ENTRYPOINT_NOT_FOUND || cause === STATUS.DRIVER_ORDINAL_NOT_FOUND || cause === STATUS.PROCEDURE_NOT_FOUND) && missing) {
    const mod = missing.slice(0, missing.indexOf("!"));
    if (isWindowsModule(mod)) return v("kmdll-gap", "load", `export not in kmdll's ${mod.toLowerCase()}: ${missing.slice(mod.length + 1)}`, `${message} (kmdll's export list of ${mod} lacks it; if Windows does not export it either, Windows refuses the load too)`, withMissing);
    return v("windows-refuses", "load", `companion ${mod.toLowerCase()} lacks an export`, `${message}: the companion driver in the folder does not export it`, withMissing);
  }
  if (cause === STATUS.INSUFFICIENT_RESOURCES) return v("kmdll-gap", "load", "emulator limit: no resources to map the image", message, st);
  if (cause === STATUS.IMAGE_ALREADY_LOADED) return v("kmdll-gap", "load", "a module of that name is built into kmdll", message, st);
  return v("kmdll-gap", "load", `unclassified load failure ${formatStatus(cause)}`, message, withMissing);
}

function startVerdict(s: StepFacts): Verdict | null {
  // A refusal Windows makes too, then DriverEntry never returns: the driver retries what was refused
  // (Broadcom's bcmwl5.sys registers its NDIS 5 miniport with ever lower minor versions). The
  // refusal came first and decides; on Windows the thread would hang the same way.
  if (s.fault?.kind === "timeout" && s.refusal) {
    const key = `${REFUSALS[s.refusal.kind] ?? s.refusal.kind}; DriverEntry retries and never returns`;
    const fault = { ...s.fault };
    delete fault.outsideBuiltin;
    delete fault.selfDeadlock;
    return v("windows-refuses", "start", key, `${s.refusal.message}; DriverEntry then did not return (${s.fault.message})`, { fault });
  }
  if (s.fault) return faultVerdict(s.fault, "start", s.limit);
  if (s.ok !== false) return null;
  const f = s.fail;
  if (f?.routine === "DriverEntry") {
    const status = f.status;
    const name = statusName(parseStatus(status) ?? 0);
    const st = { status, ...(name ? { statusName: name } : {}), ...(f.failedCall ? { failedCall: f.failedCall } : {}) };
    if (s.refusal) return v("windows-refuses", "start", REFUSALS[s.refusal.kind] ?? s.refusal.kind, `${s.refusal.message}; DriverEntry returned ${status}${name ? ` ${name}` : ""}`, st);
    // It gave up after meeting something kmdll does not have (Windows' own code, a class extension...).
    if (s.limit) return v("kmdll-gap", "start", `DriverEntry gave up after a kmdll limit: ${LIMITS[s.limit.kind] ?? s.limit.kind}`, `DriverEntry returned ${status}${name ? ` ${name}` : ""} after ${s.limit.message}`, st);
    const fc = f.failedCall;
    const after = fc ? (fc.status === status ? ` from ${fc.routine}` : ` after ${fc.routine} → ${fc.status} ${fc.statusName}`) : "";
    return v("driver-declined", "start", `DriverEntry → ${status}${name ? ` ${name}` : ""}${after}`, `DriverEntry returned ${status}${name ? ` ${name}` : ""}${f.failedCall ? `; last failed kernel call: ${f.failedCall.routine} → ${f.failedCall.status} ${f.failedCall.statusName} (called from ${f.failedCall.site})` : ""}`, st);
  }
  if (f?.routine === "DllInitialize" && f.missing) {
    // A companion export driver declined its load: its DllInitialize's status fails the importer's start.
    const cause = f.cause ?? f.status;
    const name = statusName(parseStatus(cause) ?? 0);
    return v("driver-declined", "load", `companion DllInitialize → ${cause}${name ? ` ${name}` : ""}`, f.message ?? `${f.missing}: DllInitialize failed`, { status: cause, ...(name ? { statusName: name } : {}), missing: f.missing });
  }
  if (f?.cause !== undefined) return loadVerdict(f);
  return v("kmdll-gap", "start", "unclassified start failure", f?.message ?? s.detail ?? s.result ?? "the start failed", f ? { status: f.status } : {});
}

function stopVerdict(s: StepFacts, start: StepFacts): Verdict | null {
  if (s.fault) return faultVerdict(s.fault, "stop", s.limit ?? start.limit);
  if (s.ok !== false) return null;
  const f = s.fail;
  if (f?.refusal === "no-driver-unload") return v("windows-refuses", "stop", "no DriverUnload: the stop is refused (STATUS_INVALID_DEVICE_REQUEST)", f.message ?? "no DriverUnload", { status: f.status, statusName: "STATUS_INVALID_DEVICE_REQUEST" });
  return v("kmdll-gap", "stop", "unclassified stop failure", f?.message ?? s.detail ?? s.result ?? "the stop failed", f ? { status: f.status } : {});
}

/** The class and reason of one run. */
export function classify(o: Observed, end: ChildEnd): Verdict {
  // A fault kmdll reported beats the kill (the emulator's own budget ran out first).
  const started = startVerdict(o.steps[0]);
  if (started) return started;
  const stopped = stopVerdict(o.steps[1], o.steps[0]);
  if (stopped) return stopped;
  if (end.killed?.why === "timeout") return v("kmdll-gap", "run", "no result within the wall-clock budget (killed)", `no result within ${end.killed.seconds} s of wall-clock time: the child process was killed`);
  if (end.killed?.why === "memory") return v("kmdll-gap", "run", "memory cap exceeded (killed)", `the child process used more than ${end.killed.mib} MiB and was killed`);
  if (!o.ended || o.steps[0].ok === null || o.steps[1].ok === null) {
    const how = end.signal ? `signal ${end.signal}` : `exit code ${end.code}`;
    return v("kmdll-gap", "run", "kmdll sim ended without a result", `kmdll sim ended with ${how} before the run finished${end.stderr ? `: ${end.stderr}` : ""}`);
  }
  if (o.findings > 0 && o.finding) {
    const f = o.finding;
    const key = f.event === "leak" ? "leak at unload" : `verifier: ${f.rule ?? "error"}`;
    return v("driver-fault", "unload", key, `${o.findings} finding(s) at unload; first: ${f.message}`, { findings: o.findings });
  }
  if (!o.endOk) return v("kmdll-gap", "run", "unclassified failure", "the run failed without a fail, fault or finding event");
  return v("pass", null, "started and stopped, nothing leaked", "started and stopped, nothing leaked");
}
