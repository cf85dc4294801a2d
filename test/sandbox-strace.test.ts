// Bad input: a hostile driver (examples/sandbox-escape) tries to reach host files outside --root
// through every Zw*File routine — `..`, absolute host paths, links placed inside the root,
// `\??\C:\..\..`, opens relative to a root handle, deletes, listings of linked folders, renames and
// hard links out of the volume — and touches the machine model (physical memory, ports, PCI, MSRs).
// Under strace(1): nothing outside the root is opened, examined or changed, a link in the root is
// only ever lstat'ed (never followed), no host device (/dev/mem, /dev/port, /dev/cpu/*/msr,
// /sys/bus/pci, /proc/bus/pci) is touched, and the host files are unchanged afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture, repoPath } from "./helpers.js";

const EXPORTS = ["EscapeOpen", "EscapeWrite", "EscapeDelete", "EscapeList", "EscapeRename", "TouchHardware"];
const haveStrace = spawnSync("strace", ["-V"]).status === 0;

// On the x64 driver and on its x86 build (which reaches ports through HAL's READ_PORT_*/WRITE_PORT_*).
for (const arch of ["x64", "x86"] as const) test(`strace: the file sandbox and the machine model never touch the host outside --root (${arch})`, { skip: haveStrace ? false : "strace missing" }, () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "kmdll-sbx-")));
  try {
    const root = join(base, "root");
    mkdirSync(join(root, "System32", "drivers"), { recursive: true });
    copyFileSync(fixture(arch, "sbxescape.sys"), join(root, "System32", "drivers", "sbxescape.sys"));
    writeFileSync(join(base, "canary.txt"), "KMDLL-CANARY: the host's secret\n");
    writeFileSync(join(root, "inside.txt"), "inside the root\n");
    symlinkSync(base, join(root, "outlink"));
    symlinkSync(join(base, "canary.txt"), join(root, "canary.lnk"));
    const scenario = join(base, "s.json");
    writeFileSync(scenario, JSON.stringify({ root, steps: [{ start: "sbxescape" }, ...EXPORTS.map((e) => ({ call: `sbxescape.sys!${e}`, expect: 0 }))] }));
    const log = join(base, "trace.txt");
    const r = spawnSync("strace", ["-f", "-qq", "-o", log, "-e", "trace=%file", process.execPath, repoPath("bin", "kmdll.js"), "sim", "--json", scenario], { encoding: "utf8", maxBuffer: 64 << 20 });
    const events = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr);
    const trace = readFileSync(log, "utf8").split("\n");
    // The trace sees the volume at work (so the checks below can fail).
    assert.ok(trace.some((l) => l.includes(`${root}/inside.txt`)), "inside.txt was looked up");
    const outside = trace.filter((l) => l.includes(`${base}/canary.txt`) || l.includes("renamed.txt") || l.includes("created-by-driver") || /hostname"/.test(l));
    assert.deepEqual(outside, [], "host files outside the root");
    // The links inside the root: only their own entries, never followed (no path through them, no open).
    const links = trace.filter((l) => l.includes("/outlink") || l.includes("/canary.lnk"));
    assert.ok(links.length > 0);
    for (const l of links) {
      assert.doesNotMatch(l, /outlink\/|canary\.lnk\//, l);
      assert.doesNotMatch(l, /\bopen(at)?\(/, l);
      assert.match(l, /SYMLINK_NOFOLLOW|lstat|readlink/, l);
    }
    const devices = trace.filter((l) => /"\/dev\/(mem|kmem|port|cpu\/)|"\/sys\/bus\/pci|"\/proc\/bus\/pci|"\/sys\/firmware/.test(l));
    assert.deepEqual(devices, [], "host hardware devices");
    // The machine model did serve the driver's accesses.
    const hw = events.filter((e) => e.event === "hardware").map((e) => `${e.kind} ${e.op}`);
    for (const k of ["mmio map", "mmio write", "physical map", "port read", "port write", "pci read", "pci write", "msr read"]) assert.ok(hw.includes(k), `${k} in ${hw.join(", ")}`);
    // And the host is as it was.
    assert.deepEqual(readdirSync(base).sort(), ["canary.txt", "root", "s.json", "trace.txt"]);
    assert.deepEqual(readdirSync(root).sort(), ["System32", "canary.lnk", "inside.txt", "outlink"]);
    assert.equal(readFileSync(join(base, "canary.txt"), "utf8"), "KMDLL-CANARY: the host's secret\n");
    assert.equal(readFileSync(join(root, "inside.txt"), "utf8"), "inside the root\n");
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
