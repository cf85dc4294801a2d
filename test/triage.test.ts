// `kmdll triage`: every outcome class on drivers of our own (examples/triage, one per class), companion
// drivers from the same folder, files that are not drivers, the kill paths (wall clock, memory cap),
// exit codes, and that nothing is written next to the inputs. Expectations come from the drivers'
// sources (examples/triage/triage.c) and llvm-objdump, not from kmdll's output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { spawn } from "node:child_process";
import { classify, runTriage, type TriageResult } from "../src/triage/index.js";
import { newObserved, observeLine } from "../src/triage/observe.js";

const CASES = ["pass", "declined", "fault", "leak", "unimpl", "hang", "ndis5", "ndis5retry", "integrity", "nounload", "limit", "scan"];

/** Every file below dir with its size and mtime (to see that nothing was written there). */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${p} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

/** A private TMPDIR for the run (the children inherit it), so leftovers can be counted. */
async function withTmp<T>(f: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = mkdtempSync(join(tmpdir(), "kmdll-triage-test-tmp-"));
  const old = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    return await f(tmp);
  } finally {
    if (old === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = old;
    rmSync(tmp, { recursive: true, force: true });
  }
}

test("triage classifies a folder of our drivers: every class, companions, non-PE files, kernel DLL names", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-triage-in-"));
  try {
    for (const c of CASES) copyFileSync(fixture("x64", `triage${c}.sys`), join(dir, `triage${c}.sys`));
    mkdirSync(join(dir, "lone"));
    copyFileSync(fixture("x64", "client.sys"), join(dir, "lone", "client.sys"));
    mkdirSync(join(dir, "pair"));
    copyFileSync(fixture("x64", "client.sys"), join(dir, "pair", "client.sys"));
    // Windows finds imports case-insensitively: the companion is found under another case.
    copyFileSync(fixture("x64", "mydriver.sys"), join(dir, "pair", "MyDriver.SYS"));
    mkdirSync(join(dir, "exp"));
    copyFileSync(fixture("x64", "initfailuser.sys"), join(dir, "exp", "initfailuser.sys"));
    copyFileSync(fixture("x64", "initfail.sys"), join(dir, "exp", "initfail.sys"));
    mkdirSync(join(dir, "odd"));
    copyFileSync(fixture("x64", "triagepass.sys"), join(dir, "odd", "kernel dll.dll"));
    writeFileSync(join(dir, "junk.sys"), "not a driver\n");
    const whole = readFileSync(fixture("x64", "triagepass.sys"));
    writeFileSync(join(dir, "trunc.sys"), whole.subarray(0, 0x500));
    writeFileSync(join(dir, "notes.txt"), "an .inf or a readme next to the drivers\n");
    const reg = join(dir, "extra.reg");
    writeFileSync(reg, 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\KmdllTriageTest]\r\n"Value"=dword:00000001\r\n');
    const before = listing(dir);

    const results: TriageResult[] = [];
    const summary = await withTmp(async (tmp) => {
      const s = await runTriage([dir], { jobs: 2, timeout: 2, registry: reg }, (r) => results.push(r));
      assert.deepEqual(readdirSync(tmp), [], "temporary copies removed");
      return s;
    });
    assert.deepEqual(listing(dir), before, "nothing written next to the inputs");
    const by = (rel: string) => {
      const r = results.find((x) => x.file === join(dir, rel));
      assert.ok(r, `${rel} reported (got ${results.map((x) => x.file).join(", ")})`);
      return r;
    };
    const is = (rel: string, cls: string) => assert.equal(by(rel).class, cls, `${rel}: ${by(rel).class}: ${by(rel).reason}`);

    is("triagepass.sys", "pass");
    is("odd/kernel dll.dll", "pass");
    assert.equal(by("odd/kernel dll.dll").service, "kernel dll");

    is("triagedeclined.sys", "driver-declined");
    const declined = by("triagedeclined.sys");
    assert.equal(declined.status, "0xC0000034"); // STATUS_OBJECT_NAME_NOT_FOUND (ntstatus.h), what ZwOpenKey gives for a missing key
    assert.match(declined.failedCall?.routine ?? "", /!ZwOpenKey$/);
    assert.match(declined.failedCall?.site ?? "", /^triagedeclined\.sys\+0x[0-9a-f]+$/);

    is("triagefault.sys", "driver-fault");
    const fault = by("triagefault.sys").fault!;
    assert.equal(fault.kind, "invalid-read");
    assert.equal(BigInt(fault.address!), 0x30n, "the field at offset 0x30 of a NULL pointer");
    // The faulting instruction, per llvm-objdump at that offset: a read of [reg+0x30] (objdump writes 48(%reg)).
    const rva = BigInt(/\+0x([0-9a-f]+)$/.exec(fault.rip!)![1]!.replace(/^/, "0x"));
    const base = BigInt(/ImageBase: (0x[0-9A-F]+)/i.exec(tool("llvm-readobj", ["--file-headers", fixture("x64", "triagefault.sys")]).stdout)![1]!);
    const at = base + rva;
    const dis = tool("llvm-objdump", ["-d", `--start-address=0x${at.toString(16)}`, `--stop-address=0x${(at + 8n).toString(16)}`, fixture("x64", "triagefault.sys")]).stdout;
    const line = dis.split("\n").find((l) => l.trimStart().startsWith(`${at.toString(16)}:`)) ?? "";
    assert.match(line, /\s48\(%r[a-z0-9]+\)/, `objdump at ${at.toString(16)}: ${dis}`);
    assert.ok(fault.instructionBytes && line.replace(/\s+/g, " ").includes(fault.instructionBytes.split(" ").slice(0, 3).join(" ")), `${fault.instructionBytes} vs ${line}`);

    is("triageleak.sys", "driver-fault");
    assert.equal(by("triageleak.sys").key, "leak at unload");
    assert.match(by("triageleak.sys").reason, /64 bytes.*'Trig'/); // ExAllocatePoolWithTag(..., 64, 'girT'): the tag reads "Trig" in memory

    is("triageunimpl.sys", "kmdll-gap");
    assert.equal(by("triageunimpl.sys").key, "unimplemented ntoskrnl!ZwSetEaFile");
    is("triagehang.sys", "kmdll-gap");
    assert.equal(by("triagehang.sys").fault?.kind, "timeout");
    assert.equal(by("triagehang.sys").retried, true, "out of time beside others: run again alone at the end");
    assert.equal(results.at(-1)!.file, join(dir, "triagehang.sys"), "the retry comes last");

    // It gave up on win32kfull.sys's code (kmdll has none); its answered size probe is not the reason.
    is("triagelimit.sys", "kmdll-gap");
    assert.match(by("triagelimit.sys").key, /Windows' own code/);
    assert.equal(by("triagelimit.sys").status, "0xC0000225"); // STATUS_NOT_FOUND (ntstatus.h)
    assert.equal(by("triagelimit.sys").failedCall, undefined, JSON.stringify(by("triagelimit.sys").failedCall));

    // A NULL write in DriverUnload through what its scan of ntoskrnl's .text did not find (triage.c, TRIAGE_SCAN).
    is("triagescan.sys", "kmdll-gap");
    assert.equal(by("triagescan.sys").phase, "stop");
    assert.equal(by("triagescan.sys").fault?.kind, "invalid-write");
    assert.match(by("triagescan.sys").reason, /RtlImageNtHeader on kmdll's ntoskrnl\.exe/);

    is("triagendis5.sys", "windows-refuses");
    assert.match(by("triagendis5.sys").key, /NDIS 5/);
    // Retrying the refused registration for ever (triage.c, TRIAGE_NDIS5RETRY) is still Windows' refusal, not kmdll's time budget.
    is("triagendis5retry.sys", "windows-refuses");
    assert.match(by("triagendis5retry.sys").key, /NDIS 5.*never returns/);
    assert.equal(by("triagendis5retry.sys").fault?.kind, "timeout");
    is("triageintegrity.sys", "windows-refuses");
    assert.match(by("triageintegrity.sys").key, /INTEGRITYCHECK/);
    assert.equal(by("triageintegrity.sys").status, "0xC0000022"); // STATUS_ACCESS_DENIED
    is("triagenounload.sys", "windows-refuses");
    assert.equal(by("triagenounload.sys").phase, "stop");
    assert.equal(by("triagenounload.sys").status, "0xC0000010");

    is("lone/client.sys", "windows-refuses");
    assert.equal(by("lone/client.sys").missing?.toLowerCase(), "mydriver.sys");
    is("pair/client.sys", "pass");
    assert.deepEqual(by("pair/client.sys").companions, ["MyDriver.SYS"]);
    // mydriver.sys is an export driver with a stub DriverEntry and no DriverUnload.
    is("pair/MyDriver.SYS", "windows-refuses");

    // The companion export driver's DllInitialize returns STATUS_INSUFFICIENT_RESOURCES (examples/sc-initfail).
    is("exp/initfailuser.sys", "driver-declined");
    assert.deepEqual([by("exp/initfailuser.sys").status, by("exp/initfailuser.sys").missing], ["0xC000009A", "initfail.sys"]);
    is("exp/initfail.sys", "windows-refuses");

    is("junk.sys", "not-a-driver");
    assert.match(by("junk.sys").reason, /no MZ signature/);
    is("trunc.sys", "windows-refuses");
    assert.equal(by("trunc.sys").status, "0xC000007B");
    assert.ok(!results.some((r) => basename(r.file) === "notes.txt" || basename(r.file) === "extra.reg"));

    assert.equal(summary.ignored, 2, "notes.txt and extra.reg");
    assert.equal(summary.drivers, results.length - 1);
    assert.deepEqual(summary.counts, { pass: 3, "windows-refuses": 8, "driver-declined": 2, "driver-fault": 2, "kmdll-gap": 4, "not-a-driver": 1 });
    assert.equal(summary.exitCode, 1);
    assert.equal(summary.reasons[0]!.count >= summary.reasons.at(-1)!.count, true);
    assert.equal(summary.reasons.reduce((n, r) => n + r.count, 0), results.filter((r) => r.class !== "pass").length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("triage kills a driver past its wall-clock budget or its memory cap (kmdll-gap)", async () => {
  await withTmp(async (tmp) => {
    const results: TriageResult[] = [];
    await runTriage([fixture("x64", "triagehang.sys")], { timeout: 60, wallSeconds: 2 }, (r) => results.push(r));
    assert.equal(results[0]!.class, "kmdll-gap");
    assert.match(results[0]!.reason, /no result within 2 s/);
    results.length = 0;
    // Node alone needs more than 16 MiB resident. A driver that runs on (triagehang.sys) so that the
    // child is still there when its size is sampled: a quick one (triagepass.sys) can finish first.
    await runTriage([fixture("x64", "triagehang.sys")], { timeout: 60, memoryMiB: 16 }, (r) => results.push(r));
    assert.equal(results[0]!.class, "kmdll-gap");
    assert.match(results[0]!.reason, /more than 16 MiB/);
    // A killed child cannot remove its temporary root: triage removes the folder it gave the child.
    assert.deepEqual(readdirSync(tmp), [], "no temporary folder left behind");
  });
});

test("kmdll triage: text, --json, --ndjson and exit codes", async () => {
  const ok = await runCli(["triage", "--json", fixture("x64", "triagepass.sys"), fixture("x64", "triagenounload.sys")]);
  assert.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout) as { results: TriageResult[]; summary: { exitCode: number; counts: Record<string, number> } };
  assert.equal(doc.results.length, 2);
  assert.equal(doc.summary.counts.pass, 1);
  assert.equal(doc.summary.counts["windows-refuses"], 1);

  const nd = await runCli(["triage", "--ndjson", "--jobs", "1", fixture("x64", "triagefault.sys"), fixture("x64", "triagepass.sys")]);
  assert.equal(nd.code, 1, nd.stderr);
  const lines = nd.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; class?: string });
  assert.deepEqual(lines.map((l) => l.type), ["driver", "driver", "summary"]);
  assert.deepEqual(lines.slice(0, 2).map((l) => l.class), ["driver-fault", "pass"]);

  const text = await runCli(["triage", fixture("x64", "triagedeclined.sys")]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^driver-declined +\S+triagedeclined\.sys +DriverEntry returned 0xC0000034/m);
  assert.match(text.stdout, /top reasons:\n +1 +driver-declined +DriverEntry → 0xC0000034 STATUS_OBJECT_NAME_NOT_FOUND from ntoskrnl!ZwOpenKey/);

  assert.equal((await runCli(["triage", "/nonexistent/drivers"])).code, 2);
  assert.equal((await runCli(["triage", "--json", "--ndjson", fixture("x64", "triagepass.sys")])).code, 2);
});

test("classify: the kill paths, Windows modules kmdll lacks, bug checks (pure)", () => {
  const run = (lines: object[]) => {
    const o = newObserved();
    const state = { step: 0 };
    for (const l of lines) observeLine(o, JSON.stringify(l), state);
    return o;
  };
  const begin = (i: number) => ({ event: "step", phase: "begin", index: i });
  const end = (i: number, ok: boolean) => ({ event: "step", phase: "end", index: i, ok });
  const exit = { code: 0, signal: null, stderr: "" };
  // A missing import: a Windows module kmdll does not provide is kmdll's gap; any other module is a missing companion.
  const missing = (m: string) => classify(run([begin(1), { event: "fail", status: "0xC0000034", cause: "0xC0000034", module: "a.sys", missing: m }, end(1, false), begin(2), end(2, false), { event: "end", ok: false }]), exit);
  assert.equal(missing("dxgkrnl.sys").class, "kmdll-gap");
  assert.equal(missing("vendorlib.sys").class, "windows-refuses");
  // A kernel API set kmdll's schema does not map is kmdll's gap, never a missing companion (src/nt/api-sets.ts).
  const apiSet = missing("ext-ms-win-ntos-madeup-l1-1-0.dll");
  assert.deepEqual([apiSet.class, apiSet.key], ["kmdll-gap", "kernel API set not in kmdll's schema: ext-ms-win-ntos-madeup-l1-1-0.dll"]);
  // bthport.sys is Windows' Bluetooth port driver (BTHUSB.SYS imports it; DriverPack set fresh4): kmdll's gap, named as such.
  const bth = missing("bthport.sys");
  assert.equal(bth.class, "kmdll-gap", bth.reason);
  assert.equal(bth.key, "kmdll does not emulate the system module bthport.sys");
  assert.match(bth.reason, /^kmdll does not emulate the system module bthport\.sys/);
  assert.equal(missing("RNDISMP.SYS").class, "kmdll-gap");
  // An export a module kmdll emulates lacks (asahci64.sys imports AtaPortNotification from PCIIDEX.SYS): kmdll's list, not a companion's.
  const lacks = classify(run([begin(1), { event: "fail", status: "0xC0000263", cause: "0xC0000263", module: "a.sys", missing: "PCIIDEX.SYS!AtaPortNotification" }, end(1, false), begin(2), end(2, false), { event: "end", ok: false }]), exit);
  assert.deepEqual([lacks.class, lacks.key], ["kmdll-gap", "export not in kmdll's pciidex.sys: AtaPortNotification"], lacks.reason);
  // An NDIS 5 miniport refused (a warning with refusal), then DriverEntry retrying it until the time budget: Windows refuses it.
  const retry = classify(run([begin(1), { event: "warning", refusal: "ndis5-miniport", message: "NdisMRegisterMiniport: an NDIS 5.1 miniport driver" }, { event: "fault", kind: "timeout", rip: "a.sys+0x10", message: "time budget of 1 s exceeded" }, end(1, false), begin(2), end(2, false), { event: "end", ok: false }]), exit);
  assert.deepEqual([retry.class, retry.phase, retry.fault?.kind], ["windows-refuses", "start", "timeout"], retry.reason);
  assert.match(retry.key, /^NDIS 5\.x miniport.*never returns$/);
  // A timeout with no refusal before it stays kmdll's (the time budget).
  assert.equal(classify(run([begin(1), { event: "fault", kind: "timeout", rip: "a.sys+0x10", message: "m" }, end(1, false)]), exit).class, "kmdll-gap");
  // A bug check in DriverUnload names its code.
  const bc = classify(run([begin(1), end(1, true), begin(2), { event: "fault", kind: "bugcheck", code: "0x000000C4", rip: "a.sys+0x10", message: "KeBugCheckEx(0xC4)" }, end(2, false), { event: "end", ok: false }]), exit);
  assert.deepEqual([bc.class, bc.key, bc.phase], ["driver-fault", "bugcheck 0xC4 in DriverUnload", "stop"]);
  // Killed before any result; a crash of kmdll itself.
  assert.equal(classify(run([begin(1)]), { ...exit, killed: { why: "timeout", seconds: 5 } }).class, "kmdll-gap");
  const crashed = classify(run([begin(1), "garbage" as unknown as object]), { code: null, signal: "SIGSEGV", stderr: "" });
  assert.deepEqual([crashed.class, crashed.key], ["kmdll-gap", "kmdll sim ended without a result"]);
  // A read just outside kmdll's synthetic ntoskrnl image is not the driver's crash.
  const beside = classify(run([begin(1), { event: "fault", kind: "invalid-read", outsideBuiltin: true, message: "m" }, end(1, false)]), exit);
  assert.equal(beside.class, "kmdll-gap");
  // A self-deadlock (Windows hangs there too) is the driver's; another endless wait is kmdll's.
  const dl = (self: boolean) => classify(run([begin(1), end(1, true), begin(2), { event: "fault", kind: "deadlock", rip: "a.sys+0x10", message: "m", ...(self ? { selfDeadlock: true } : {}) }, end(2, false), { event: "end", ok: false }]), exit);
  assert.deepEqual([dl(true).class, dl(true).key], ["driver-fault", "self-deadlock in DriverUnload"]);
  assert.equal(dl(false).class, "kmdll-gap");
  // A clean run with a leak is a driver fault; without, a pass.
  assert.equal(classify(run([begin(1), end(1, true), begin(2), end(2, true), { event: "leak", kind: "pool", size: 8 }, { event: "end", ok: false }]), exit).class, "driver-fault");
  assert.equal(classify(run([begin(1), end(1, true), begin(2), end(2, true), { event: "leak", kind: "pool", size: 8, level: "warning" }, { event: "end", ok: true }]), exit).class, "pass");
});

test("kmdll triage interrupted (SIGINT): children killed, exit 130, nothing left in the temporary folder", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "kmdll-triage-int-"));
  try {
    const child = spawn(process.execPath, [repoPath("bin", "kmdll.js"), "triage", "--timeout", "120", fixture("x64", "triagehang.sys")], { env: { ...process.env, TMPDIR: tmp }, stdio: "ignore" });
    // Wait until the driver's child runs (its temporary folder exists), then interrupt.
    for (let i = 0; i < 600 && readdirSync(tmp).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.notDeepEqual(readdirSync(tmp), [], "the driver's child started");
    await new Promise((r) => setTimeout(r, 1000));
    const code = await new Promise<number | null>((done) => {
      child.on("exit", (c) => done(c));
      child.kill("SIGINT");
    });
    assert.equal(code, 130);
    assert.deepEqual(readdirSync(tmp), []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("sim --json: a failed DriverEntry names its last failed kernel call; a refused stop says why (what triage reads)", async () => {
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "triagedeclined.sys"), fixture("x64", "triagenounload.sys"), "--", "start:triagedeclined", "start:triagenounload", "stop:triagenounload"]);
  assert.equal(r.code, 1, r.stderr);
  const fails = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === "fail");
  const entry = fails.find((e) => e.module === "triagedeclined.sys")!;
  assert.equal(entry.routine, "DriverEntry");
  assert.equal(entry.status, "0xC0000034");
  const call = entry.failedCall as Record<string, string>;
  assert.deepEqual([call.routine, call.status, call.statusName], ["ntoskrnl!ZwOpenKey", "0xC0000034", "STATUS_OBJECT_NAME_NOT_FOUND"]);
  // The call site is the return address of the call to ZwOpenKey (llvm-objdump: the instruction before it is a call).
  const rva = BigInt("0x" + /\+0x([0-9a-f]+)$/.exec(call.site!)![1]!);
  const base = BigInt(/ImageBase: (0x[0-9A-F]+)/i.exec(tool("llvm-readobj", ["--file-headers", fixture("x64", "triagedeclined.sys")]).stdout)![1]!);
  const dis = tool("llvm-objdump", ["-d", `--start-address=0x${(base + rva - 6n).toString(16)}`, `--stop-address=0x${(base + rva).toString(16)}`, fixture("x64", "triagedeclined.sys")]).stdout;
  assert.match(dis, /call/, dis);
  const stop = fails.find((e) => e.module === "triagenounload.sys")!;
  assert.deepEqual([stop.status, stop.refusal], ["0xC0000010", "no-driver-unload"]);
});
