/** Text and SARIF 2.1.0 renderings of a surface report. Pure. */
import { pathToUri, SARIF_SCHEMA_URI } from "../report/sarif.js";
import { RULES, type RuleId } from "./detect.js";
import type { SurfaceReport } from "./explore.js";

/** Long inputs shown by their first 48 bytes (the JSON report has them whole). */
const short = (hex: string) => (hex.length > 96 ? `${hex.slice(0, 96)}…` : hex);

export function surfaceText(r: SurfaceReport): string {
  const L: string[] = [];
  L.push(`${r.driver}: DriverEntry ${r.started ? "succeeded" : `failed: ${r.startMessage ?? "?"}`}`);
  if (!r.started) return L.join("\n") + "\n";
  L.push("devices:");
  if (!r.devices.length) L.push("  (none)");
  for (const d of r.devices) {
    L.push(`  ${d.name ?? "(unnamed)"}  type ${d.deviceType}${d.links.length ? `  links ${d.links.join(", ")}` : "  no symbolic link"}`);
    L.push(`    security: ${d.createdBy}; ${d.secureOpen ? "FILE_DEVICE_SECURE_OPEN" : "no FILE_DEVICE_SECURE_OPEN (the namespace below the device is not checked)"}; ${d.exclusive ? "exclusive" : "not exclusive"}`);
  }
  L.push("dispatch routines:");
  for (const d of r.dispatch) L.push(`  ${d.major.padEnd(28)} ${d.routine}`);
  L.push(`IOCTLs handled (${r.ioctls.length} of ${r.candidates} candidate codes, ${r.requests} requests, seed ${r.seed}${r.blocks !== null ? `, ${r.blocks} basic blocks reached` : ""}, ${(r.elapsedMs / 1000).toFixed(1)} s${r.budgetExhausted ? ", time budget exhausted" : ""}):`);
  for (const i of r.ioctls)
    L.push(`  ${i.code}  ${i.device}  type 0x${i.deviceType.toString(16)} function 0x${i.function.toString(16)} ${i.method} ${i.access}  → ${i.status} (input ${i.inputLength} bytes)`);
  L.push(r.findings.length ? "findings:" : "findings: none");
  for (const f of r.findings) {
    L.push(`  ${f.rule}: ${RULES[f.rule].short} — ${f.what} at ${f.site}`);
    L.push(`    reproducer: DeviceIoControl(${f.device}, ${f.code}, input ${f.input.length / 2} bytes [${short(f.input)}], output ${f.outputLength} bytes)${f.inputOffset >= 0 ? `; the value is at input offset ${f.inputOffset}` : ""}; ${f.confirmed ? "replayed on a fresh machine: confirmed" : "replayed on a fresh machine: NOT seen again (depends on earlier requests)"}`);
  }
  const fixed = r.sinks.filter((s) => !s.controlled);
  if (fixed.length) {
    L.push("reached with values the caller does not choose:");
    for (const s of fixed) L.push(`  ${s.rule}: ${s.what} at ${s.site}`);
  }
  if (r.badInputs.length) {
    L.push("inputs that faulted or hung (exploration went on):");
    for (const b of r.badInputs) L.push(`  ${b.code} ${b.device} input ${b.input.length / 2} bytes [${short(b.input)}]: ${b.kind}: ${b.message}`);
  }
  return L.join("\n") + "\n";
}

export function surfaceSarif(r: SurfaceReport, path: string, version: string): Record<string, unknown> {
  const ids = Object.keys(RULES) as RuleId[];
  const uri = pathToUri(path);
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "kmdll surface",
            version,
            rules: ids.map((id) => ({ id, name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()), shortDescription: { text: RULES[id].short }, help: { text: RULES[id].help }, defaultConfiguration: { level: "error" } })),
          },
        },
        results: r.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ids.indexOf(f.rule),
          level: "error",
          message: { text: `${f.what} at ${f.site}, reached by IOCTL ${f.code} on ${f.device}${f.inputOffset >= 0 ? ` with the caller's value at input offset ${f.inputOffset}` : ""}` },
          locations: [{ physicalLocation: { artifactLocation: { uri } }, logicalLocations: [{ name: f.site, kind: "function" }] }],
          properties: { device: f.device, ioctl: f.code, input: f.input, outputLength: f.outputLength, inputOffset: f.inputOffset, confirmed: f.confirmed },
        })),
      },
    ],
  };
}
