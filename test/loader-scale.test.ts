/**
 * Scale (issue 18, item 1): the loader resolves import chains with an explicit stack (no
 * recursion per import level), in time linear in the number of modules; the emulator coalesces
 * an image's sections into few Unicorn regions and refuses what would pass its documented limits
 * with a clean error instead of letting Unicorn abort the process.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel, ScriptedExecutor, syntheticImage, syntheticSource, type SyntheticImageSpec } from "../src/kernel/index.js";
import type { TraceEvent } from "../src/events.js";
import { EmulatorExecutor } from "../src/emu/executor.js";
import { ResourceLimitError } from "../src/errors.js";
import { parsePe } from "../src/formats/pe/index.js";
import { MAX_REGIONS_PER_IMAGE } from "../src/emu/layout.js";
import { STATUS } from "../src/nt/status.js";
import { importChain, manySections } from "./pe-shapes.js";
import { runCli } from "./helpers.js";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";

const D = "\\SystemRoot\\System32\\drivers\\";
let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-scale-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** m0 (a driver) → m1 → … → m(n-1), each export driver with DllInitialize/DllUnload and F<k>. */
function chainSpecs(n: number, missingLast = false): Record<string, SyntheticImageSpec> {
  const out: Record<string, SyntheticImageSpec> = {};
  for (let k = 0; k < n; k++) {
    if (missingLast && k === n - 1) break;
    out[`${D}m${k}.sys`] = {
      ...(k === 0 ? {} : { dllName: `m${k}.sys`, exports: [{ name: "DllInitialize" }, { name: "DllUnload" }, { name: `F${k}` }] }),
      imports: k + 1 < n ? [{ dll: `m${k + 1}.sys`, functions: [`F${k + 1}`] }] : [],
    };
  }
  return out;
}

function chainWorld(n: number, missingLast = false) {
  const events: TraceEvent[] = [];
  const imgs = Object.fromEntries(Object.entries(chainSpecs(n, missingLast)).map(([k, v]) => [k, syntheticImage(v)]));
  const exec = new ScriptedExecutor({}, { sink: (e) => events.push(e) });
  const kernel = new Kernel({ executor: exec, images: syntheticSource(imgs), sink: (e) => events.push(e) });
  return { kernel, exec, events };
}

test("a 5000-module import chain loads and unloads without recursion (no stack overflow), depth first", () => {
  const n = 5000;
  const w = chainWorld(n);
  const r = w.kernel.start("m0");
  assert.equal(r.ok, true, r.message);
  const loads = w.events.filter((e) => e.event === "load").map((e) => (e as { module: string }).module);
  assert.equal(loads.length, n);
  assert.deepEqual(loads.slice(0, 3), ["m0.sys", "m1.sys", "m2.sys"]);
  // DllInitialize runs innermost first: m(n-1) is initialised before the module that imports it.
  const inits = w.events.filter((e) => e.event === "call" && (e as { routine: string }).routine === "DllInitialize").map((e) => (e as { module: string }).module);
  assert.equal(inits.length, n - 1);
  assert.equal(inits[0], `m${n - 1}.sys`);
  assert.equal(inits.at(-1), "m1.sys");
  const s = w.kernel.stop("m0");
  assert.equal(s.ok, true, s.message);
  const unloads = w.events.filter((e) => e.event === "unload").map((e) => (e as { module: string }).module);
  assert.equal(unloads.length, n);
  // The cascade goes down the chain: m0, then m1 (its last importer is gone), then m2, ...
  assert.deepEqual(unloads.slice(0, 3), ["m0.sys", "m1.sys", "m2.sys"]);
  assert.equal(unloads.at(-1), `m${n - 1}.sys`);
});

test("a failure at the end of a 3000-module chain unwinds every image being loaded, innermost first", () => {
  const n = 3000;
  const w = chainWorld(n, true);
  const r = w.kernel.start("m0");
  assert.equal(r.ok, false);
  assert.equal(r.status, STATUS.OBJECT_NAME_NOT_FOUND);
  const fail = w.events.find((e) => e.event === "fail") as { module: string; missing: string };
  assert.equal(fail.module, `m${n - 2}.sys`);
  assert.equal(fail.missing, `m${n - 1}.sys`);
  const unloads = w.events.filter((e) => e.event === "unload").map((e) => (e as { module: string }).module);
  assert.equal(unloads.length, n - 1, "every mapped image is removed again");
  assert.equal(unloads[0], `m${n - 2}.sys`);
  assert.equal(unloads.at(-1), "m0.sys");
  assert.equal(w.events.filter((e) => e.event === "call").length, 0, "no DllInitialize ran: nothing finished loading");
});

test("5000 one-page data sections of equal rights map as a few regions; the call runs", () => {
  const bytes = manySections(5000, false);
  const img = parsePe(bytes);
  assert.equal(img.sections.length, 5001);
  const ex = new EmulatorExecutor({ timeoutMs: 5000 });
  try {
    const t0 = performance.now();
    ex.mapImage("many.sys", img, bytes);
    const regions = ex.emu.modules.get("many.sys")!.regions;
    // headers (R) + .text (RX) + 5000 data sections (R, one run).
    assert.ok(regions.length <= 3, regions.map((r) => r.name.slice(0, 30)).join(" | "));
    const ping = img.exports!.functions.find((f) => f.name === "Ping")!;
    const r = ex.callRoutine("many.sys", ping.rva!, [], "Ping");
    assert.deepEqual(r, { ok: true, value: 0n });
    assert.ok(performance.now() - t0 < 20_000);
  } finally {
    ex.close();
  }
});

test("an image whose sections alternate rights past the per-image limit is refused cleanly (kmdll call and sim: 0xC000009A, a failed allocation)", async () => {
  const bytes = manySections(5000, true);
  const ex = new EmulatorExecutor();
  try {
    assert.throws(() => ex.mapImage("alt.sys", parsePe(bytes), bytes), (e: unknown) => e instanceof ResourceLimitError && new RegExp(`need \\d+ separately protected memory regions; the emulator maps at most ${MAX_REGIONS_PER_IMAGE} per image`).test((e as Error).message));
  } finally {
    ex.close();
  }
  const f = join(dir, "alt.sys");
  writeFileSync(f, bytes);
  const call = await runCli(["call", f, "Ping"]);
  assert.equal(call.code, 1, call.stdout + call.stderr);
  assert.match(call.stderr, /^kmdll: alt\.sys cannot be mapped: .*separately protected memory regions.*\(0xC000009A\)/m);
  assert.doesNotMatch(call.stderr, /Assertion|internal error/);
  // In the lifecycle: the load fails like a failed allocation.
  const sim = await runCli(["sim", "--install", f, "--json", "start:alt"]);
  assert.equal(sim.code, 1, sim.stderr);
  const fail = sim.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.event === "fail");
  assert.equal(fail?.cause, "0xC000009A", JSON.stringify(fail));
});

test("past the driver-image limit the load fails cleanly (a lowered limit, so the test is quick)", () => {
  const ex = new EmulatorExecutor({ limits: { driverImages: 5 } });
  try {
    const chain = importChain(7);
    for (let k = 0; k < 5; k++) ex.mapImage(chain[k]![0], parsePe(chain[k]![1]), chain[k]![1]);
    assert.throws(() => ex.mapImage(chain[5]![0], parsePe(chain[5]![1]), chain[5]![1]), /5 driver images are loaded; the emulator holds at most 5/);
    // Unloading one makes room again.
    ex.unmapImage("m0.sys");
    ex.mapImage(chain[5]![0], parsePe(chain[5]![1]), chain[5]![1]);
  } finally {
    ex.close();
  }
  const ex2 = new EmulatorExecutor({ limits: { imageRegions: 7 } });
  try {
    const chain = importChain(4);
    ex2.mapImage(chain[0]![0], parsePe(chain[0]![1]), chain[0]![1]);
    ex2.mapImage(chain[1]![0], parsePe(chain[1]![1]), chain[1]![1]);
    assert.throws(() => ex2.mapImage(chain[2]![0], parsePe(chain[2]![1]), chain[2]![1]), /use 6 memory regions and this one needs 3; the emulator maps at most 7/);
  } finally {
    ex2.close();
  }
});

test("a 40-module chain of real images runs in the emulated kernel (start, DllInitialize each, stop)", async () => {
  const root = join(dir, "chain40");
  mkdirSync(join(root, "System32", "drivers"), { recursive: true });
  for (const [name, bytes] of importChain(40)) writeFileSync(join(root, "System32", "drivers", name), bytes);
  const r = await runCli(["sim", "--root", root, "--json", "start:m0", "stop:m0"]);
  assert.equal(r.code, 0, r.stderr);
  const ev = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(ev.filter((e) => e.event === "load").length, 40);
  assert.equal(ev.filter((e) => e.event === "return" && e.routine === "DllInitialize" && e.status === "0x00000000").length, 39);
  assert.equal(ev.filter((e) => e.event === "unload").length, 40);
});

test("a 1200-module chain of real images loads in the emulator (3600 protection spans, no Unicorn region each), runs every DllInitialize and unloads", () => {
  const n = 1200;
  const root = join(dir, "chain1200");
  mkdirSync(join(root, "System32", "drivers"), { recursive: true });
  for (const [name, bytes] of importChain(n)) writeFileSync(join(root, "System32", "drivers", name), bytes);
  const events: TraceEvent[] = [];
  const t0 = performance.now();
  const r = runSimulation({ root, steps: [{ kind: "start", name: "m0" }, { kind: "stop", name: "m0" }], executor: emulatorExecutor, sink: (e) => events.push(e) });
  const ms = performance.now() - t0;
  assert.equal(r.ok, true, JSON.stringify(events.find((e) => e.event === "fail")));
  assert.equal(events.filter((e) => e.event === "load").length, n);
  assert.equal(events.filter((e) => e.event === "return" && (e as { routine?: string }).routine === "DllInitialize").length, n - 1);
  assert.equal(events.filter((e) => e.event === "unload").length, n);
  // Loose: minutes before (each region cost a search over all the others); a few seconds now, even on a busy machine.
  assert.ok(ms < 60_000, `${ms} ms`);
});
