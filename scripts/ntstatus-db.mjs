#!/usr/bin/env node
// `npm run ntstatus-db`: regenerates data/ntstatus-names.json — the name of every NTSTATUS value
// ntstatus.h defines — from Debian's mingw-w64 header (/usr/share/mingw-w64/include/ntstatus.h,
// package mingw-w64-common), so reports can say "0xC0000365 STATUS_FAILED_DRIVER_ENTRY" for any
// status a driver returns, not only the ones kmdll itself uses (src/nt/status.ts).
//
//   node scripts/ntstatus-db.mjs [--check] [--header FILE] [--out FILE]
//
// Where a value has several names (STATUS_SUCCESS = STATUS_WAIT_0), the first one the header
// defines is kept. `--check` regenerates in memory and fails when the committed file differs.
// The output is deterministic (sorted by value).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.indexOf(name) >= 0 ? resolve(args[args.indexOf(name) + 1]) : dflt);
const header = opt("--header", "/usr/share/mingw-w64/include/ntstatus.h");
const out = opt("--out", join(root, "data", "ntstatus-names.json"));

if (!existsSync(header)) {
  process.stderr.write(`ntstatus-db: ${header} missing (Debian package mingw-w64-common)\n`);
  process.exit(2);
}
let version = "unknown version";
try {
  version = execFileSync("dpkg-query", ["-W", "-f", "${Version}", "mingw-w64-common"], { encoding: "utf8" }).trim() || version;
} catch { /* not a Debian machine: the header alone */ }

const byValue = new Map();
const define = /^#\s*define\s+(STATUS_[A-Z0-9_]+)\s+\(\(NTSTATUS\)\s*(0x[0-9A-Fa-f]{1,8})L?\)/;
for (const line of readFileSync(header, "utf8").split("\n")) {
  const m = define.exec(line.trim());
  if (!m) continue;
  const key = "0x" + (parseInt(m[2], 16) >>> 0).toString(16).toUpperCase().padStart(8, "0");
  if (!byValue.has(key)) byValue.set(key, m[1]);
}
const names = Object.fromEntries([...byValue].sort((a, b) => (parseInt(a[0], 16) - parseInt(b[0], 16))));
const text = JSON.stringify({ generatedFrom: `ntstatus.h of mingw-w64-common ${version}`, count: byValue.size, names }, null, 1) + "\n";

if (args.includes("--check")) {
  const old = existsSync(out) ? readFileSync(out, "utf8") : "";
  if (old !== text) {
    process.stderr.write(`ntstatus-db: ${out} is out of date; run npm run ntstatus-db\n`);
    process.exit(1);
  }
  console.log(`ntstatus-db: ${out} is up to date (${byValue.size} names)`);
} else {
  writeFileSync(out, text);
  console.log(`ntstatus-db: wrote ${byValue.size} names to ${out}`);
}
