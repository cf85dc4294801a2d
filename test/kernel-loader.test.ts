// The loader's logic on synthetic images with a scripted executor (no CPU): SPEC §6 rule by rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../src/events.js";
import { compactCommon } from "./trace.js";
import { Kernel, ScriptedExecutor, syntheticImage, syntheticSource, type ScriptedModule, type Semantics, type SyntheticImageSpec } from "../src/kernel/index.js";

const D = "\\SystemRoot\\System32\\drivers\\";
const REG = "\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\";

function compact(e: TraceEvent): string {
  if (e.event === "load" || e.event === "refcount" || e.event === "unload") return compactCommon(e)!;
  switch (e.event) {
    case "call":
      return `call ${e.module}!${e.routine}${e.arg ? "(" + e.arg + ")" : e.args ? "(" + e.args.join(",") + ")" : ""}`;
    case "return":
      return `ret ${e.module}!${e.routine}${e.status ? " " + e.status : ""}${e.value ? " =" + e.value : ""}`;
    case "fail":
      return `fail ${e.status}${e.cause ? " cause " + e.cause : ""} ${e.module}${e.missing ? " missing " + e.missing : ""}`;
    case "warning":
      return `warning ${e.module ?? ""}`;
    case "dbgprint":
      return `print ${e.module}: ${e.text}`;
    default:
      return e.event;
  }
}

interface World {
  kernel: Kernel;
  exec: ScriptedExecutor;
  events: TraceEvent[];
  take(): string[];
}

const exporter = (dll: string, names: string[], imports: SyntheticImageSpec["imports"] = []): SyntheticImageSpec => ({
  dllName: dll,
  exports: names.map((name) => ({ name })),
  imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }, ...(imports ?? [])],
});

function world(images: Record<string, SyntheticImageSpec>, script: Record<string, ScriptedModule> = {}, semantics: Semantics = "documented", services?: Record<string, string>): World {
  const events: TraceEvent[] = [];
  const sink = (e: TraceEvent) => events.push(e);
  const exec = new ScriptedExecutor(script, { sink, kernelExports: { "ntoskrnl.exe": ["DbgPrint", "IoCreateDevice", "MmGetSystemRoutineAddress"] } });
  const imgs = Object.fromEntries(Object.entries(images).map(([k, v]) => [k.includes("\\") ? k : D + k, syntheticImage(v)]));
  const kernel = new Kernel({ executor: exec, images: syntheticSource(imgs), semantics, sink, services: services ? { imagePath: (s) => services[s] } : undefined });
  let seen = 0;
  return {
    kernel,
    exec,
    events,
    take() {
      const out = events.slice(seen).map(compact);
      seen = events.length;
      return out;
    },
  };
}

const SEEDS = {
  "mydriver.sys": exporter("mydriver.sys", ["DllInitialize", "DllUnload", "LoadPrinterDriver"]),
  "client.sys": { imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }, { dll: "mydriver.sys", functions: ["LoadPrinterDriver"] }] },
};

test("seeds: start client loads mydriver from System32\\drivers, DllInitialize with its registry path, stop unloads both", () => {
  const w = world(SEEDS);
  const r = w.kernel.start("client");
  assert.equal(r.ok, true);
  assert.deepEqual(w.take(), [
    "load client.sys",
    "count client.sys=1",
    "load mydriver.sys by client.sys",
    "count mydriver.sys=1",
    `call mydriver.sys!DllInitialize(${REG}mydriver)`,
    "ret mydriver.sys!DllInitialize 0x00000000",
    "call client.sys!DriverEntry(\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\client)",
    "ret client.sys!DriverEntry 0x00000000",
  ]);
  // The IAT slot of LoadPrinterDriver points into mydriver.sys.
  const my = w.kernel.findModule("MYDRIVER.SYS")!;
  const slot = [...w.exec.iat.get("client.sys")!.entries()].find(([, a]) => a >= my.base && a < my.base + 0x10000n);
  assert.ok(slot, "LoadPrinterDriver's IAT slot was snapped to mydriver.sys");
  assert.equal(my.path, D + "mydriver.sys");
  assert.deepEqual(w.kernel.modules().map((m) => [m.module, m.count]), [["client.sys", 1], ["mydriver.sys", 1]]);

  assert.equal(w.kernel.stop("client").ok, true);
  assert.deepEqual(w.take(), [
    "call client.sys!DriverUnload",
    "ret client.sys!DriverUnload",
    "count client.sys=0",
    "unload client.sys",
    "count mydriver.sys=0",
    "call mydriver.sys!DllUnload",
    "ret mydriver.sys!DllUnload 0x00000000",
    "unload mydriver.sys",
  ]);
  assert.deepEqual(w.kernel.modules(), []);
  assert.ok(!w.exec.log.some((l) => l.startsWith("DriverEntry mydriver")), "an export driver's DriverEntry is never called on the import path");
});

test("chain a → b → c: loaded depth first, DllInitialize innermost first, unloaded top down", () => {
  const w = world({
    "a.sys": { imports: [{ dll: "b.sys", functions: ["B"] }] },
    "b.sys": exporter("b.sys", ["B", "DllInitialize", "DllUnload"], [{ dll: "c.sys", functions: ["C"] }]),
    "c.sys": exporter("c.sys", ["C", "DllInitialize", "DllUnload"]),
  });
  assert.equal(w.kernel.start("a").ok, true);
  assert.deepEqual(w.take(), [
    "load a.sys", "count a.sys=1",
    "load b.sys by a.sys", "count b.sys=1",
    "load c.sys by b.sys", "count c.sys=1",
    `call c.sys!DllInitialize(${REG}c)`, "ret c.sys!DllInitialize 0x00000000",
    `call b.sys!DllInitialize(${REG}b)`, "ret b.sys!DllInitialize 0x00000000",
    "call a.sys!DriverEntry(\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\a)", "ret a.sys!DriverEntry 0x00000000",
  ]);
  assert.equal(w.kernel.stop("a").ok, true);
  assert.deepEqual(w.take(), [
    "call a.sys!DriverUnload", "ret a.sys!DriverUnload", "count a.sys=0", "unload a.sys",
    "count b.sys=0", "call b.sys!DllUnload", "ret b.sys!DllUnload 0x00000000", "unload b.sys",
    "count c.sys=0", "call c.sys!DllUnload", "ret c.sys!DllUnload 0x00000000", "unload c.sys",
  ]);
});

test("diamond: the export driver stays until the second client stops; DllInitialize runs once", () => {
  const w = world({ ...SEEDS, "client2.sys": SEEDS["client.sys"] });
  w.kernel.start("client");
  w.take();
  w.kernel.start("client2");
  assert.deepEqual(w.take(), [
    "load client2.sys", "count client2.sys=1", "count mydriver.sys=2",
    "call client2.sys!DriverEntry(\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\client2)", "ret client2.sys!DriverEntry 0x00000000",
  ]);
  w.kernel.stop("client");
  assert.deepEqual(w.take(), ["call client.sys!DriverUnload", "ret client.sys!DriverUnload", "count client.sys=0", "unload client.sys", "count mydriver.sys=1"]);
  w.kernel.stop("client2");
  assert.deepEqual(w.take().slice(-4), ["count mydriver.sys=0", "call mydriver.sys!DllUnload", "ret mydriver.sys!DllUnload 0x00000000", "unload mydriver.sys"]);
  assert.equal(w.exec.log.filter((l) => l.startsWith("DllInitialize")).length, 1);
});

test("no DllUnload: pinned with count 0, raised again by a later importer without a second DllInitialize", () => {
  const w = world({ "lib.sys": exporter("lib.sys", ["DllInitialize", "F"]), "user.sys": { imports: [{ dll: "lib.sys", functions: ["F"] }] } });
  w.kernel.start("user");
  w.kernel.stop("user");
  assert.deepEqual(w.take().slice(-3), ["unload user.sys", "count lib.sys=0", "warning lib.sys"]);
  assert.deepEqual(w.kernel.modules().map((m) => [m.module, m.count, m.pinned]), [["lib.sys", 0, true]]);
  w.kernel.start("user");
  assert.deepEqual(w.take().slice(0, 3), ["load user.sys", "count user.sys=1", "count lib.sys=1"]);
  assert.equal(w.exec.log.filter((l) => l.startsWith("DllInitialize")).length, 1);
});

test("DllUnload without DllInitialize: pinned under documented semantics, unloaded under kernel semantics", () => {
  const images = { "lib.sys": exporter("lib.sys", ["DllUnload", "F"]), "user.sys": { imports: [{ dll: "lib.sys", functions: ["F"] }] } };
  const doc = world(images, {}, "documented");
  doc.kernel.start("user");
  assert.ok(!doc.take().some((l) => l.includes("DllInitialize")));
  doc.kernel.stop("user");
  assert.deepEqual(doc.take().slice(-2), ["count lib.sys=0", "warning lib.sys"]);
  assert.deepEqual(doc.kernel.modules().map((m) => m.module), ["lib.sys"]);

  const ker = world(images, {}, "kernel");
  ker.kernel.start("user");
  ker.take();
  ker.kernel.stop("user");
  assert.deepEqual(ker.take().slice(-4), ["count lib.sys=0", "call lib.sys!DllUnload", "ret lib.sys!DllUnload 0x00000000", "unload lib.sys"]);
  assert.deepEqual(ker.kernel.modules(), []);
});

test("failing DllInitialize: the DLL is unloaded without DllUnload, the importer fails with 0xC000026C and the cause", () => {
  const w = world({ "lib.sys": exporter("lib.sys", ["DllInitialize", "DllUnload", "F"]), "user.sys": { imports: [{ dll: "lib.sys", functions: ["F"] }] } }, { "lib.sys": { dllInitialize: 0xc0000001 } });
  const r = w.kernel.start("user");
  assert.equal(r.ok, false);
  assert.equal(r.status, 0xc000026c);
  assert.equal(r.cause, 0xc0000001);
  assert.deepEqual(w.take(), [
    "load user.sys", "count user.sys=1", "load lib.sys by user.sys", "count lib.sys=1",
    `call lib.sys!DllInitialize(${REG}lib)`, "ret lib.sys!DllInitialize 0xC0000001",
    "fail 0xC000026C cause 0xC0000001 user.sys missing lib.sys",
    "count lib.sys=0", "unload lib.sys", "unload user.sys",
  ]);
  assert.ok(!w.exec.log.some((l) => l.startsWith("DllUnload") || l.startsWith("DriverEntry")));
  assert.match(r.message!, /user\.sys cannot load lib\.sys: its DllInitialize failed \(0xC0000001\) → 0xC000026C/);
});

test("failing DllUnload: the DLL stays loaded with count 0", () => {
  const w = world({ "lib.sys": exporter("lib.sys", ["DllInitialize", "DllUnload", "F"]), "user.sys": { imports: [{ dll: "lib.sys", functions: ["F"] }] } }, { "lib.sys": { dllUnload: 0xc0000001 } });
  w.kernel.start("user");
  w.take();
  w.kernel.stop("user");
  assert.deepEqual(w.take().slice(-4), ["count lib.sys=0", "call lib.sys!DllUnload", "ret lib.sys!DllUnload 0xC0000001", "warning lib.sys"]);
  assert.deepEqual(w.kernel.modules().map((m) => [m.module, m.count]), [["lib.sys", 0]]);
});

test("missing export 0xC0000263: the freshly loaded dependency is dereferenced (DllUnload) and the importer removed", () => {
  const w = world({ ...SEEDS, "client.sys": { imports: [{ dll: "mydriver.sys", functions: ["LoadPrinterDriver", "Foo"] }] } });
  const r = w.kernel.start("client");
  assert.equal(r.status, 0xc0000263);
  assert.equal(r.message, "client.sys cannot find mydriver.sys Foo (0xC0000263) → 0xC0000263");
  assert.deepEqual(w.take(), [
    "load client.sys", "count client.sys=1", "load mydriver.sys by client.sys", "count mydriver.sys=1",
    `call mydriver.sys!DllInitialize(${REG}mydriver)`, "ret mydriver.sys!DllInitialize 0x00000000",
    "fail 0xC0000263 cause 0xC0000263 client.sys missing mydriver.sys!Foo",
    "count mydriver.sys=0", "call mydriver.sys!DllUnload", "ret mydriver.sys!DllUnload 0x00000000", "unload mydriver.sys",
    "unload client.sys",
  ]);
  assert.deepEqual(w.kernel.modules(), []);
});

test("an export missing from a DLL without an export directory is 0xC0000263 too", () => {
  const w = world({ "lib.sys": { imports: [] }, "user.sys": { imports: [{ dll: "lib.sys", functions: ["F"] }] } });
  assert.equal(w.kernel.start("user").status, 0xc0000263);
});

test("missing file 0xC0000034 (looked up in the importer's directory)", () => {
  const w = world({ "client.sys": SEEDS["client.sys"], "mydriver.sys": SEEDS["mydriver.sys"] }, {}, "documented", { client: "\\SystemRoot\\System32\\drivers\\sub\\client.sys" });
  // client is installed at drivers\client.sys, but the service points at drivers\sub\ → missing image
  const r = w.kernel.start("client");
  assert.equal(r.status, 0xc0000034);
  const w2 = world({ [D + "sub\\client.sys"]: SEEDS["client.sys"], "mydriver.sys": SEEDS["mydriver.sys"] }, {}, "documented", { client: "\\SystemRoot\\System32\\drivers\\sub\\client.sys" });
  const r2 = w2.kernel.start("client");
  assert.equal(r2.status, 0xc0000034, "mydriver.sys is looked for next to client.sys only");
  assert.deepEqual(w2.take(), ["load client.sys", "count client.sys=1", "fail 0xC0000034 cause 0xC0000034 client.sys missing mydriver.sys", "unload client.sys"]);
});

test("a missing Windows system module or kernel API set is named as an emulator gap, a missing third-party module is not", () => {
  for (const [dll, what] of [["ACPI.SYS", /ACPI\.SYS is a Windows system module every installation has, which kmdll does not emulate: a gap of the emulator, not of the driver/], ["ext-ms-win-ntos-madeup-l1-1-0.dll", /imports the kernel API set ext-ms-win-ntos-madeup-l1-1-0\.dll, which kmdll's API set schema does not map to a module/]] as const) {
    const w = world({ "client.sys": { imports: [{ dll, functions: ["F"] }] } });
    const r = w.kernel.start("client");
    assert.equal(r.status, 0xc0000034, dll);
    assert.match(r.message!, what, dll);
  }
  const w = world({ "client.sys": { imports: [{ dll: "otherdrv.sys", functions: ["F"] }] } });
  const r = w.kernel.start("client");
  assert.equal(r.status, 0xc0000034);
  assert.doesNotMatch(r.message!, /gap of the emulator/);
});

test("a routine missing from a built-in module other than ntoskrnl/hal (a partial model: CNG.SYS) is named as a possible emulator gap; one missing from ntoskrnl is not", () => {
  const exec = new ScriptedExecutor({}, { kernelExports: { "ntoskrnl.exe": ["DbgPrint"], "cng.sys": ["BCryptOpenAlgorithmProvider"] } });
  const kernel = new Kernel({ executor: exec, images: syntheticSource({ [D + "client.sys"]: syntheticImage({ imports: [{ dll: "CNG.SYS", functions: ["EntropyRegisterSource"] }] }) }), semantics: "documented" });
  const r = kernel.start("client");
  assert.equal(r.status, 0xc0000263);
  assert.match(r.message!, /cannot find CNG\.SYS EntropyRegisterSource \(kmdll's CNG\.SYS models the Windows module with only the routines kmdll emulates or lists; if the target Windows' CNG\.SYS exports EntropyRegisterSource, this is a gap of the emulator/);
  const w2 = world({ "client.sys": { imports: [{ dll: "ntoskrnl.exe", functions: ["NoSuchRoutine"] }] } });
  assert.doesNotMatch(w2.kernel.start("client").message!, /gap of the emulator/);
});

test("user-mode import 0xC000007A, after earlier descriptors were referenced and are dereferenced again", () => {
  const w = world({ ...SEEDS, "bad.sys": { imports: [{ dll: "mydriver.sys", functions: ["LoadPrinterDriver"] }, { dll: "KERNEL32.dll", functions: ["GetTickCount"] }] } });
  const r = w.kernel.start("bad");
  assert.equal(r.status, 0xc000007a);
  const t = w.take();
  assert.deepEqual(t.slice(-6), ["fail 0xC000007A cause 0xC000007A bad.sys missing KERNEL32.dll", "count mydriver.sys=0", "call mydriver.sys!DllUnload", "ret mydriver.sys!DllUnload 0x00000000", "unload mydriver.sys", "unload bad.sys"]);
});

test("ordinal out of range 0xC0000262; an ordinal inside the table resolves", () => {
  const w = world({ ...SEEDS, "ord.sys": { imports: [{ dll: "mydriver.sys", functions: ["#3", "#9"] }] } });
  const r = w.kernel.start("ord");
  assert.equal(r.status, 0xc0000262);
  assert.match(r.message!, /ord\.sys cannot find mydriver\.sys #9 \(0xC0000262\)/);
  const w2 = world({ ...SEEDS, "ord.sys": { imports: [{ dll: "mydriver.sys", functions: ["#0"] }] } });
  assert.equal(w2.kernel.start("ord").status, 0xc0000262, "ordinal below Base wraps around (16-bit index)");
});

test("kernel imports: unknown ntoskrnl export 0xC0000263; ntoskrnl/hal are never counted", () => {
  const w = world({ "k.sys": { imports: [{ dll: "ntoskrnl.exe", functions: ["IoCreateDevice", "NoSuchRoutine"] }] } });
  const r = w.kernel.start("k");
  assert.equal(r.status, 0xc0000263);
  assert.match(r.message!, /k\.sys cannot find ntoskrnl\.exe NoSuchRoutine/);
  assert.ok(!w.take().some((l) => l.startsWith("count ntoskrnl")));
});

test("dual-role driver: service start and import share one count; DllUnload only on the import path", () => {
  const images = {
    "dual.sys": exporter("dual.sys", ["DllInitialize", "DllUnload", "F"]),
    "user.sys": { imports: [{ dll: "dual.sys", functions: ["F"] }] },
  };
  const w = world(images);
  w.kernel.start("dual");
  w.kernel.start("user");
  assert.deepEqual(w.kernel.modules().map((m) => [m.module, m.count]), [["dual.sys", 2], ["user.sys", 1]]);
  assert.ok(!w.exec.log.some((l) => l.startsWith("DllInitialize")), "no DllInitialize: dual.sys was not loaded as a dependency");
  w.kernel.stop("user");
  assert.deepEqual(w.take().slice(-1), ["count dual.sys=1"]);
  w.kernel.stop("dual");
  assert.deepEqual(w.take().slice(-4), ["call dual.sys!DriverUnload", "ret dual.sys!DriverUnload", "count dual.sys=0", "unload dual.sys"]);
  assert.ok(!w.exec.log.some((l) => l.startsWith("DllUnload")));

  // The other order: imported first, then started → already loaded 0xC000010E.
  const w2 = world(images);
  w2.kernel.start("user");
  const r = w2.kernel.start("dual");
  assert.equal(r.status, 0xc000010e);
  // And a DLL imported by someone that is then stopped as a service refuses (no driver object).
  assert.equal(w2.kernel.stop("dual").status, 0xc0000034);
});

test("stop without DriverUnload is refused and the driver stays", () => {
  const w = world(SEEDS, { "client.sys": { setsDriverUnload: false } });
  w.kernel.start("client");
  w.take();
  const r = w.kernel.stop("client");
  assert.equal(r.ok, false);
  assert.equal(r.status, 0xc0000010);
  assert.deepEqual(w.kernel.modules().map((m) => m.module), ["client.sys", "mydriver.sys"]);
  assert.ok(!w.take().some((l) => l.startsWith("call")));
});

test("DriverEntry failure unloads the image and dereferences its imports", () => {
  const w = world(SEEDS, { "client.sys": { driverEntry: 0xc0000001 } });
  const r = w.kernel.start("client");
  assert.equal(r.status, 0xc0000001);
  assert.deepEqual(w.kernel.modules(), []);
  assert.ok(w.exec.log.includes("DllUnload mydriver.sys"));
});

test("cycles: a module still loading is reused without a count or reference", () => {
  const w = world({
    "a.sys": { imports: [{ dll: "b.sys", functions: ["B"] }], exports: [{ name: "A" }] },
    "b.sys": exporter("b.sys", ["B", "DllInitialize", "DllUnload"], [{ dll: "a.sys", functions: ["A"] }]),
  });
  assert.equal(w.kernel.start("a").ok, true);
  assert.deepEqual(w.kernel.modules().map((m) => [m.module, m.count]), [["a.sys", 1], ["b.sys", 1]]);
  w.kernel.stop("a");
  assert.deepEqual(w.kernel.modules(), []);
});

test("forwarders resolve only against loaded modules", () => {
  const fwd = { dllName: "fwd.sys", exports: [{ name: "F", forwarder: "mydriver.LoadPrinterDriver" }, { name: "DllInitialize" }, { name: "DllUnload" }] };
  const alone = world({ ...SEEDS, "fwd.sys": fwd, "user.sys": { imports: [{ dll: "fwd.sys", functions: ["F"] }] } });
  assert.equal(alone.kernel.start("user").status, 0xc0000263);
  const w = world({ ...SEEDS, "fwd.sys": fwd, "user.sys": { imports: [{ dll: "fwd.sys", functions: ["F"] }] } });
  w.kernel.start("client");
  assert.equal(w.kernel.start("user").ok, true);
  const my = w.kernel.findModule("mydriver.sys")!;
  const addr = [...w.exec.iat.get("user.sys")!.values()][0]!;
  assert.ok(addr >= my.base && addr < my.base + 0x10000n);
  // A forwarder does not take a reference.
  assert.equal(my.loadCount, 1);
});

test("import names with path separators or '..' are refused; nothing is opened", () => {
  for (const dll of ["..\\..\\evil.sys", "sub/x.sys", "..sys", "C:x.sys"]) {
    const opened: string[] = [];
    const src = syntheticSource({ [D + "u.sys"]: syntheticImage({ imports: [{ dll, functions: ["F"] }] }) });
    const exec = new ScriptedExecutor();
    const k = new Kernel({ executor: exec, images: { open: (p) => (opened.push(p), src.open(p)) } });
    const r = k.start("u");
    assert.equal(r.status, 0xc000026c, dll);
    assert.deepEqual(opened, [D + "u.sys"], dll);
  }
});

test("service image paths: ImagePath from the registry, refused outside \\SystemRoot", () => {
  const w = world({ [D + "sub\\x.sys"]: { imports: [] } }, {}, "documented", { x: "System32\\drivers\\sub\\x.sys", y: "\\??\\D:\\elsewhere\\y.sys", z: "\\SystemRoot\\..\\z.sys" });
  assert.equal(w.kernel.start("x").ok, true);
  assert.equal(w.kernel.findModule("x.sys")!.path, "\\SystemRoot\\System32\\drivers\\sub\\x.sys");
  assert.equal(w.kernel.start("y").status, 0xc000003a);
  assert.equal(w.kernel.start("z").status, 0xc000003a);
  assert.equal(w.kernel.start("../x").status, 0xc000003a);
});

test("KernelQueries.modulesExporting names loaded drivers exporting a routine", () => {
  const w = world(SEEDS);
  w.kernel.start("client");
  assert.deepEqual(w.kernel.modulesExporting("LoadPrinterDriver"), ["mydriver.sys"]);
  assert.deepEqual(w.kernel.modulesExporting("Nope"), []);
});

test("a fault in guest code ends the simulation", () => {
  const w = world(SEEDS, { "mydriver.sys": { faults: ["DllInitialize"] } });
  const r = w.kernel.start("client");
  assert.equal(r.crashed, true);
  assert.equal(w.kernel.start("client").crashed, true);
});

test("call: an export of a loaded module with arguments", () => {
  const w = world(SEEDS, { "mydriver.sys": { routines: { LoadPrinterDriver: (a) => a[0]! + 1n } } });
  w.kernel.start("client");
  const r = w.kernel.call("mydriver", "LoadPrinterDriver", [41n]);
  assert.equal(r.value, 42n);
  assert.equal(w.kernel.call("mydriver.sys", "Nope", []).status, 0xc0000263);
  assert.equal(w.kernel.call("other.sys", "X", []).status, 0xc0000034);
});
