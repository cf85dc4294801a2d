// WdfRequestReuse and WdfIoTargetFormatRequestForRead / ForWrite (examples/kmdf-pnp/reuse.c): the
// C checks themselves run in the kmdf-pnp scenario (its "target check 0" covers them); here the
// structure's layout against clang and the misuse cases: a NULL ReuseParams (WDF_VIOLATION), a reuse
// of a request still at its I/O target (a verifier finding), a send after a reuse without a new format
// (kmdll's reported gap).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli } from "./helpers.js";
import { simBothArches } from "./arch-compare.js";
import { kmdfConstants } from "./kmdf-clang.js";
import { wdfLayoutFor } from "../src/emu/wdf/layouts.js";

type Ev = Record<string, unknown>;
const steps = ["--devices", repoPath("examples", "kmdf-pnp", "devices.json"), "--registry", repoPath("examples", "kmdf-pnp", "kmdfpnp.reg")];
const call = (routine: string) => (arch: "x64" | "x86" | "arm64") => [...steps, "--install", fixture(arch, "kmdfpnp.sys"), "--", "start:kmdfpnp", `call:kmdfpnp.sys!${routine}`];
const parse = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);

test("WDF_REQUEST_REUSE_PARAMS is laid out as clang lays out kmdfpnp.h's structure, on x64, x86 and ARM64", () => {
  const fields = ["Size", "Flags", "Status", "NewIrp"] as const;
  const items = ["sizeof(WDF_REQUEST_REUSE_PARAMS)", ...fields.map((f) => `offsetof(WDF_REQUEST_REUSE_PARAMS, ${f})`)];
  const dir = mkdtempSync(join(tmpdir(), "kmdll-reuse-layout-"));
  try {
    for (const [arch, p] of [["x64", 8], ["x86", 4], ["arm64", 8]] as const) {
      const nums = kmdfConstants(dir, items, arch, "kmdfpnp.h");
      const l = wdfLayoutFor("WDF_REQUEST_REUSE_PARAMS", p);
      assert.deepEqual([l.$size, ...fields.map((f) => l[f])], nums, arch);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("WdfRequestReuse with a NULL ReuseParams is a KMDF verifier bug check (WDF_VIOLATION 0x10D), x64 and x86", async () => {
  const r = await simBothArches(call("BadReuseNull"));
  assert.equal(r.code, 1, r.stdout);
  const fault = r.events.find((e) => e.event === "fault");
  assert.ok(fault, r.stdout);
  assert.deepEqual([fault.kind, fault.code], ["bugcheck", "0x0000010D"]);
  assert.match(String(fault.message), /WdfRequestReuse: ReuseParams is NULL/);
});

test("WdfRequestReuse of a request still at its I/O target is a verifier finding (the run fails, nothing crashes), x64 and x86", async () => {
  const r = await simBothArches(call("BadReuseOutstanding"));
  assert.equal(r.code, 1, r.stdout);
  const v = r.events.filter((e) => e.event === "verifier");
  assert.equal(v.length, 1, r.stdout);
  assert.equal(v[0]!.rule, "wdf-request-reuse-sent");
  assert.equal(v[0]!.level, "error");
  assert.match(String(v[0]!.message), /WdfRequestReuse: request 0x[0-9a-f]+ is still at I\/O target 0x[0-9a-f]+/);
  assert.match(String(v[0]!.site), /^kmdfpnp\.sys\+0x/);
  assert.deepEqual(r.events.filter((e) => e.event === "fault"), []);
  // The framework's verifier only breaks in: the call still returns STATUS_SUCCESS.
  assert.ok(r.events.some((e) => e.event === "dbgprint" && /reuse of a sent request 00000000/.test(String(e.text))), r.stdout);
});

test("WdfRequestSend after WdfRequestReuse without a new format is reported as kmdll's gap, on every arch", async () => {
  for (const arch of ["x64", "x86", "arm64"] as const) {
    const r = await runCli(["sim", "--json", ...call("BadReuseSendUnformatted")(arch)]);
    const fault = parse(r.stdout).find((e) => e.event === "fault");
    assert.ok(fault, `${arch}: ${r.stdout}`);
    assert.equal(fault.kind, "unimplemented-api", arch);
    assert.match(String(fault.message), /without WdfIoTargetFormatRequestForIoctl .* since it was created or reused \(WdfRequestSend\)/, arch);
    // The second send, from the routine itself (the first one went through: no fault before).
    assert.equal(fault.api, "wdf01000.sys!WdfRequestSend", arch);
    assert.match(String(fault.symbol), /^BadReuseSendUnformatted\+/, arch);
    assert.equal(parse(r.stdout).filter((e) => e.event === "fault").length, 1, arch);
  }
});
