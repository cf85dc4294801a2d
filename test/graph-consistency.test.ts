/**
 * What `graph`, `check` and `sim` say about the same image agrees (issue 17 item 7):
 * - a user-mode DLL import carries the status the loader fails with — 0xC000007A for the DLLs it
 *   refuses by name (kernel32, ntdll, ...), 0xC0000034 for the others (msvcrt) — as in check's
 *   finding and sim's failure;
 * - an image that exports routines without DllInitialize/DllUnload (a library like ndis.sys,
 *   usbd.sys, ksecdd.sys, cng.sys) is drawn as an export driver, not a standard driver;
 * - ntoskrnl.exe and the HAL are the kernel: drawn as kernel nodes, and check does not ask them
 *   for DllInitialize/DllUnload.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture, runCli } from "./helpers.js";

interface Node {
  id: string;
  kind: string;
  userMode?: boolean;
  loadStatus?: string;
}

async function graphNodes(...files: string[]): Promise<Map<string, Node>> {
  const r = await runCli(["graph", "--json", "--no-collapse-kernel", ...files]);
  assert.equal(r.code, 0, r.stderr);
  return new Map((JSON.parse(r.stdout) as { nodes: Node[] }).nodes.map((n) => [n.id, n]));
}

function statusIn(text: string): string {
  return /0xC0000034|0xC000007A/.exec(text)?.[0] ?? "none";
}

test("a user-mode DLL import: graph, check and sim give the same status", async () => {
  for (const [file, service, dll] of [["usermode.sys", "usermode", "kernel32.dll"], ["bad-malloc.sys", "bad-malloc", "msvcrt.dll"]] as const) {
    const nodes = await graphNodes(fixture("x64", file));
    const node = nodes.get(dll);
    assert.ok(node, `${dll} node in ${[...nodes.keys()].join(",")}`);
    assert.equal(node.kind, "missing");
    assert.equal(node.userMode, true);
    const check = JSON.parse((await runCli(["check", "--json", fixture("x64", file)])).stdout) as { findings: { rule: string; message: string }[] };
    const finding = check.findings.find((f) => f.rule === "user-mode-import");
    assert.ok(finding, JSON.stringify(check.findings.map((f) => f.rule)));
    assert.equal(node.loadStatus, statusIn(finding.message), `${file}: graph vs check`);
    const sim = await runCli(["sim", "--json", "--install", fixture("x64", file), "--", `start:${service}`]);
    const fail = sim.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string; status?: string }).find((e) => e.event === "fail");
    assert.ok(fail, sim.stdout);
    assert.equal(node.loadStatus, fail.status, `${file}: graph vs sim`);
    const dot = await runCli(["graph", fixture("x64", file)]);
    assert.match(dot.stdout, new RegExp(`user-mode DLL[^"]*\\(STATUS_[A-Z_]+ ${node.loadStatus}\\)`));
  }
  // A driver that is not given is still 0xC0000034, and not called user-mode.
  const nodes = await graphNodes(fixture("x64", "client.sys"));
  assert.deepEqual([nodes.get("mydriver.sys")?.loadStatus, nodes.get("mydriver.sys")?.userMode], ["0xC0000034", undefined]);
});

test("an image exporting routines without DllInitialize/DllUnload is an export driver; one exporting nothing is a driver", async () => {
  const nodes = await graphNodes(fixture("x64", "emucomp.sys"), fixture("x64", "client.sys"));
  assert.equal(nodes.get("emucomp.sys")?.kind, "export-driver");
  assert.equal(nodes.get("client.sys")?.kind, "driver");
});

test("ntoskrnl.exe and hal.dll given as files: kernel nodes, and check does not ask them for DllInitialize/DllUnload", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-kernel-image-"));
  try {
    // Stand-ins with exports and neither entry point: copies of a driver named like the kernel.
    for (const name of ["ntoskrnl.exe", "hal.dll", "halmacpi.dll"]) copyFileSync(fixture("x64", "emucomp.sys"), join(dir, name));
    const nodes = await graphNodes(join(dir, "ntoskrnl.exe"), join(dir, "hal.dll"), join(dir, "halmacpi.dll"));
    for (const id of ["ntoskrnl.exe", "hal.dll", "halmacpi.dll"]) assert.equal(nodes.get(id)?.kind, "kernel", id);
    for (const name of ["ntoskrnl.exe", "hal.dll", "halmacpi.dll"]) {
      const r = await runCli(["check", "--json", join(dir, name)]);
      const rules = (JSON.parse(r.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
      assert.ok(!rules.includes("missing-dllinitialize") && !rules.includes("missing-dllunload"), `${name}: ${rules.join(",")}`);
    }
    // The same image under its own name is an export driver without DllInitialize/DllUnload.
    const own = await runCli(["check", "--json", fixture("x64", "emucomp.sys")]);
    const rules = (JSON.parse(own.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
    assert.ok(rules.includes("missing-dllinitialize"), rules.join(","));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
