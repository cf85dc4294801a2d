/**
 * The `kmdll surface` section of the HTML report: device → IOCTL → primitive, each primitive with
 * its reproducer (code, input bytes, the value's offset) and whether a replay confirmed it. Pure.
 */
import { escapeHtml } from "../report/html-escape.js";
import { RULES } from "./rules.js";
import type { SurfaceReport } from "./explore.js";

const e = (s: string) => escapeHtml(s);

export function surfaceSectionHtml(r: SurfaceReport): string {
  const L: string[] = [];
  L.push(`<section id="surface"><h2>What ${e(r.driver)} lets user mode do</h2>`);
  if (!r.started) {
    L.push(`<p>DriverEntry failed: ${e(r.startMessage ?? "?")}</p></section>`);
    return L.join("\n");
  }
  L.push(`<p>${r.ioctls.length} IOCTL code(s) handled of ${r.candidates} candidates; ${r.requests} requests (seed ${r.seed})${r.blocks !== null ? `, ${r.blocks} basic blocks reached` : ""}, ${(r.elapsedMs / 1000).toFixed(1)} s${r.budgetExhausted ? ", time budget exhausted" : ""}; ${r.findings.length} finding(s).</p>`);
  for (const d of r.devices) {
    L.push(`<h3>${e(d.name ?? "(unnamed device)")}</h3>`);
    L.push(`<p>links: ${d.links.length ? d.links.map(e).join(", ") : "none"}; ${e(d.createdBy)}; ${d.secureOpen ? "FILE_DEVICE_SECURE_OPEN" : "no FILE_DEVICE_SECURE_OPEN"}; ${d.exclusive ? "exclusive" : "not exclusive"}</p>`);
    const ioctls = r.ioctls.filter((i) => i.device === d.name);
    if (!ioctls.length) continue;
    L.push(`<table><thead><tr><th>IOCTL</th><th>method, access</th><th>first answer</th><th>primitives (reproducer)</th></tr></thead><tbody>`);
    for (const i of ioctls) {
      const fs = r.findings.filter((f) => f.device === d.name && f.code === i.code);
      const cell = fs.length
        ? `<ul>${fs
            .map(
              (f) =>
                `<li><b>${e(f.rule)}</b> — ${e(RULES[f.rule].short)}: ${e(f.what)} at <code>${e(f.site)}</code><br>DeviceIoControl(${e(f.device)}, ${e(f.code)}, input ${f.input.length / 2} bytes <code>${e(f.input.length > 128 ? f.input.slice(0, 128) + "…" : f.input)}</code>, output ${f.outputLength})${f.inputOffset >= 0 ? `, value at input offset ${f.inputOffset}` : ""}; ${f.confirmed ? "replay confirmed" : "replay did NOT confirm"}</li>`,
            )
            .join("")}</ul>`
        : "none found";
      L.push(`<tr><td><code>${e(i.code)}</code></td><td>${e(i.method)}, ${e(i.access)}</td><td>${e(i.status)}</td><td>${cell}</td></tr>`);
    }
    L.push(`</tbody></table>`);
  }
  if (r.badInputs.length) {
    L.push(`<h3>Inputs that faulted or hung (exploration went on)</h3><ul>`);
    for (const b of r.badInputs) L.push(`<li><code>${e(b.code)}</code> input ${b.input.length / 2} bytes: ${e(b.kind)}: ${e(b.message)}</li>`);
    L.push(`</ul>`);
  }
  L.push(`</section>`);
  return L.join("\n");
}
