// The sim's I/O steps (open/read/write/ioctl/close on named handles) against examples/io-devices:
// every device flag and transfer method, file positions, inputs from files confined to the
// scenario's folder, expected statuses, `io` events, one-line errors naming file:line. Expected
// bytes are computed here from the driver's description in examples/include/kmdllio.h.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture, repoPath, runCli } from "./helpers.js";
import { cliBothArches } from "./arch-compare.js";
import { parseStepObject, parseStepText } from "../src/kernel/scenario.js";
import { KmdllError } from "../src/errors.js";
import { RANKED } from "./ranked.js";

const KIO = fixture("x64", "kmdllio.sys");
/** The device driver of an arch: the requests below run on x64 and x86 with the same events (arch-compare.ts). */
const kio = (arch: "x64" | "x86") => fixture(arch, "kmdllio.sys");
const ctl = (fn: number, method: number, access: number) => ((0x8a00 << 16) | (access << 14) | (fn << 2) | method) >>> 0;
const REVERSE = ctl(0x800, 0, 0);
const COUNT = ctl(0x801, 1, 1);
const FILL = ctl(0x802, 2, 2);
const INCREMENT = ctl(0x803, 3, 0);
const MODE = ctl(0x805, 0, 0);
const hex = (b: Iterable<number>) => Array.from(b, (x) => (x & 0xff).toString(16).padStart(2, "0")).join("");
const c = (n: number) => "0x" + n.toString(16);

function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-userio-"));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}
const events = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test("I/O step syntax: text and object forms, default handle names, one-line errors", () => {
  const o = parseStepText("open:\\\\.\\KmdllIoBuf");
  assert.deepEqual(o, { kind: "open", path: "\\\\.\\KmdllIoBuf", handle: "KmdllIoBuf" });
  const r = parseStepText("read:h:16,offset=4,expect=00ff,status=STATUS_SUCCESS,info=2");
  assert.ok(r.kind === "read" && r.length === 16 && r.offset === 4n && r.expectStatus === 0 && r.expectInformation === 2n && hex(r.expect!) === "00ff");
  const i = parseStepText("ioctl:h:0x8A002000:0102,out=0");
  assert.ok(i.kind === "ioctl" && i.handle === "h" && i.device === undefined && i.outputLength === 0 && hex(i.input) === "0102");
  const d = parseStepText("ioctl:\\??\\X:1");
  assert.ok(d.kind === "ioctl" && d.device === "\\??\\X" && d.handle === undefined);
  const w = parseStepObject({ write: "h", data: "0a0b", offset: 3, expectStatus: "STATUS_DISK_FULL" }, 0);
  assert.ok(w.kind === "write" && hex(w.data) === "0a0b" && w.offset === 3n && w.expectStatus === 0xc000007f);
  assert.deepEqual(parseStepObject({ close: "h", expectFault: true }, 1), { kind: "close", handle: "h", expectFault: "any" });
  const bad: [() => unknown, RegExp][] = [
    [() => parseStepText("open:KmdllIoBuf"), /not a device path/],
    [() => parseStepText("read:h"), /expected read:HANDLE:LENGTH/],
    [() => parseStepText("read:h:2000000"), /not a byte count/],
    [() => parseStepText("write:h:0g"), /not hex bytes/],
    [() => parseStepText("write:h:01,out=3"), /write steps take no out=/],
    [() => parseStepText("close:h:1"), /expected close:HANDLE/],
    [() => parseStepText("close:a\\b"), /not a handle name/],
    [() => parseStepText("read:h:1,status=STATUS_NOPE"), /not an NTSTATUS/],
    [() => parseStepText("write:h:@x.bin"), /@FILE inputs are not available/],
    [() => parseStepObject({ read: "h" }, 2), /needs "length"/],
    [() => parseStepObject({ write: "h", data: "01", dataFile: "x" }, 3), /not both/],
    [() => parseStepObject({ open: "\\\\.\\X", length: 1 }, 4), /unknown field "length" for an open step/],
    [() => parseStepObject({ open: "\\\\.\\X", close: "h" }, 5), /exactly one of/],
  ];
  for (const [f, re] of bad) assert.throws(f, (e: unknown) => e instanceof KmdllError && re.test(e.message), String(re));
});

test("a scenario uses three devices like a program: buffered, direct and neither I/O, every IOCTL method, file positions, close", () =>
  withDir(async (dir) => {
    const payload = Uint8Array.from({ length: 40 }, (_, k) => (k * 13 + 5) & 0xff);
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "payload.bin"), payload);
    const key = payload[7]!;
    const input = [9, 8, 7, 0x5a, 0];
    const fill = Array.from({ length: 24 }, (_, k) => 0x33 + 7 * k);
    const write = (arch: "x64" | "x86") => {
    const file = join(dir, `s-${arch}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        install: [kio(arch)],
        steps: [
          { start: "kmdllio" },
          { open: "\\\\.\\KmdllIoBuf", as: "buf" },
          { open: "\\??\\KmdllIoDirect", as: "dir" },
          { open: "\\\\.\\Global\\KmdllIoNeither", as: "nei" },
          // Each device stores 64 bytes: the write moves the file position; a read without offset continues from it.
          { write: "buf", dataFile: "data/payload.bin", expectInformation: 40 },
          { read: "buf", length: 8, expect: "0000000000000000", expectInformation: 8 },
          { read: "buf", length: 64, offset: 36, expect: hex(payload.subarray(36)) + "00".repeat(24), expectInformation: 28 },
          { read: "buf", length: 4, offset: 64, expectStatus: "STATUS_END_OF_FILE" },
          { write: "dir", data: hex(payload.subarray(0, 10)), offset: 60, expectInformation: 4 },
          { read: "dir", length: 6, offset: 58, expect: "0000" + hex(payload.subarray(0, 4)) },
          { write: "nei", data: "c0ffee" },
          { read: "nei", length: 3, offset: 0, expect: "c0ffee" },
          { ioctl: "buf", code: c(REVERSE), input: hex(input), outputLength: 5, expect: hex([...input].reverse().map((x) => x ^ 0x5a)) },
          { ioctl: "buf", code: c(REVERSE), input: hex(input), outputLength: 4, expectStatus: "STATUS_BUFFER_TOO_SMALL" },
          // METHOD_IN_DIRECT: the "output" buffer carries data in; Information = matches of the key.
          { ioctl: "dir", code: c(COUNT), input: hex([key]), inputFile: undefined, outputLength: 0, expectStatus: "STATUS_INVALID_PARAMETER" },
          { ioctl: "nei", code: c(FILL), input: "33", outputLength: 24, expect: hex(fill) },
          { ioctl: "nei", code: c(INCREMENT), input: hex(input), outputLength: 5, expect: hex(input.map((x) => x + 1)) },
          { ioctl: "buf", code: c(MODE), outputLength: 16 },
          { close: "buf" },
          { close: "dir" },
          { read: "buf", length: 1, expectStatus: "STATUS_INVALID_HANDLE" },
          { stop: "kmdllio" },
        ].map((s) => JSON.parse(JSON.stringify(s))),
      }),
    );
    return ["sim", "--json", file];
    };
    const r = await cliBothArches(write);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const io = events(r.stdout).filter((e) => e.event === "io");
    assert.equal(io.length, 20);
    assert.deepEqual(io.slice(0, 3).map((e) => [e.op, e.handle, e.device, e.status]), [
      ["open", "buf", "\\Device\\KmdllIoBuf", "0x00000000"],
      ["open", "dir", "\\Device\\KmdllIoDirect", "0x00000000"],
      ["open", "nei", "\\Device\\KmdllIoNeither", "0x00000000"],
    ]);
    assert.deepEqual(io.filter((e) => e.op === "write" || e.op === "read").slice(0, 8).map((e) => e.transfer), ["DO_BUFFERED_IO", "DO_BUFFERED_IO", "DO_BUFFERED_IO", "DO_BUFFERED_IO", "DO_DIRECT_IO", "DO_DIRECT_IO", "neither (user buffer)", "neither (user buffer)"]);
    // The second read continued at the write's end (40).
    assert.equal(io[4]!.offset, "40");
    for (const e of io.filter((x) => typeof x.bufferAddress === "string" || typeof x.outputAddress === "string")) {
      const a = BigInt(String(e.bufferAddress ?? e.outputAddress));
      assert.ok(a === 0n || (a >= 0x10000000n && a < 0x7fffffff0000n), `a user address (or NULL for no buffer): ${a.toString(16)}`);
    }
    const mode = Buffer.from(String(io[16]!.output), "hex");
    assert.deepEqual([mode[0], mode[1], mode.readUInt32LE(4), mode.readUInt32LE(8), mode.readUInt32LE(12)], [1, 1, 0x0012019f, 1, 0]);
    assert.deepEqual([io[17]!.cleanup, io[17]!.close], ["0x00000000", "0x00000000"]);
    const closed = events(r.stdout).filter((e) => e.event === "irp" && (e.name === "IRP_MJ_CLEANUP" || e.name === "IRP_MJ_CLOSE")).map((e) => `${e.name} ${e.to}`);
    // buf and dir by their close steps, nei by the program's exit at the end.
    assert.deepEqual(closed, ["IRP_MJ_CLEANUP \\Device\\KmdllIoBuf", "IRP_MJ_CLOSE \\Device\\KmdllIoBuf", "IRP_MJ_CLEANUP \\Device\\KmdllIoDirect", "IRP_MJ_CLOSE \\Device\\KmdllIoDirect", "IRP_MJ_CLEANUP \\Device\\KmdllIoNeither", "IRP_MJ_CLOSE \\Device\\KmdllIoNeither"].slice(0, 4));
    assert.equal(closed.length, 4, "nei's device belongs to an unloaded driver when the program exits: nothing is sent");
  }));

test("METHOD_IN_DIRECT counts through the MDL; a file name below the device reaches IRP_MJ_CREATE", async () => {
  const r = await cliBothArches((arch) => [
    "sim", "--json", "--install", kio(arch), "--", "start:kmdllio",
    "open:\\\\.\\KmdllIoDirect,as=d", `ioctl:d:${c(COUNT)}:00,out=32,info=32`, `ioctl:d:${c(COUNT)}:01,out=32,info=0`,
    "open:\\\\.\\KmdllIoBuf\\abc,as=sub", `ioctl:sub:${c(MODE)},out=16`, "open:\\\\.\\KmdllIoBuf\\much-too-long-name,as=x,status=STATUS_OBJECT_NAME_NOT_FOUND",
    "open:\\\\.\\NoSuchDevice,status=STATUS_OBJECT_NAME_NOT_FOUND", "open:\\Nowhere\\Dev,status=STATUS_OBJECT_PATH_NOT_FOUND",
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const io = events(r.stdout).filter((e) => e.event === "io");
  assert.equal(io[3]!.fileName, "\\abc");
  const mode = Buffer.from(String(io[4]!.output), "hex");
  assert.equal(mode.readUInt16LE(2), "\\abc".length * 2);
});

test("bad steps: one-line errors with the scenario file's line, exit 2; @FILE stays inside the scenario's folder", () =>
  withDir(async (dir) => {
    const file = join(dir, "bad.json");
    writeFileSync(file, `{\n  "install": ["${KIO.replace(/\\/g, "\\\\")}"],\n  "steps": [\n    {"start": "kmdllio"},\n    {"open": "\\\\\\\\.\\\\KmdllIoBuf"},\n    {"read": "KmdllIoBuf"}\n  ]\n}\n`);
    const r = await runCli(["sim", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.json:6: steps\[2\]: a read step needs "length"/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "secret.bin"), "x");
    symlinkSync("/etc/passwd", join(dir, "sub", "link.bin"));
    for (const name of ["../secret.bin", "/etc/passwd", "link.bin"]) {
      const f = join(dir, "sub", "s.json");
      writeFileSync(f, JSON.stringify({ install: [KIO], steps: [{ write: "h", dataFile: name }] }));
      const b = await runCli(["sim", f]);
      assert.equal(b.code, 2, name);
      assert.match(b.stderr, /s\.json:1: steps\[0\]\.dataFile: .*(\.\.|inside|outside)/, name);
    }
    const cli = await runCli(["sim", "--install", KIO, "--", "start:kmdllio", "write:h:@../x.bin"], { cwd: dir });
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /'\.\.' is not allowed/);
  }));

test("strace: input files named by steps are never opened outside the scenario's folder", { skip: spawnSync("strace", ["-V"]).status === 0 ? false : "strace missing" }, () =>
  withDir(async (dir) => {
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "outside.bin"), "x");
    symlinkSync(join(dir, "outside.bin"), join(dir, "sub", "link.bin"));
    writeFileSync(join(dir, "sub", "inside.bin"), "\x01\x02");
    for (const name of ["../outside.bin", join(dir, "outside.bin"), "link.bin", "inside.bin"]) {
      const f = join(dir, "sub", "s.json");
      writeFileSync(f, JSON.stringify({ install: [KIO], steps: [{ start: "kmdllio" }, { open: "\\\\.\\KmdllIoBuf", as: "h" }, { write: "h", dataFile: name }] }));
      const log = join(dir, "trace.txt");
      const r = spawnSync("strace", ["-f", "-qq", "-o", log, "-e", "trace=open,openat,creat", process.execPath, repoPath("bin", "kmdll.js"), "sim", f], { encoding: "utf8" });
      const opened = readFileSync(log, "utf8").split("\n").filter((l) => l.includes("outside.bin") || l.includes("inside.bin"));
      if (name === "inside.bin") {
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.ok(opened.some((l) => l.includes("sub/inside.bin")), "the allowed file is read (the trace can see opens)");
      } else {
        assert.equal(r.status, 2, name);
        assert.deepEqual(opened, [], `${name} was opened`);
      }
    }
  }));

test("close: CloseHandle succeeds whatever the driver completes IRP_MJ_CLEANUP with; no cleanup routine, no IRP", async () => {
  const r = await cliBothArches((arch) => [
    "sim", "--json", "--install", kio(arch), fixture(arch, "kmdllio_unsafe.sys"), "--", "start:kmdllio", "start:kmdllio_unsafe",
    "open:\\\\.\\KmdllIoBuf\\refuse,as=r", "close:r,status=STATUS_SUCCESS", "open:\\\\.\\KmdllIoUnsafe,as=u", "close:u",
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const io = events(r.stdout).filter((e) => e.event === "io" && e.op === "close");
  assert.deepEqual(io.map((e) => [e.status, e.cleanup, e.close]), [
    ["0x00000000", "0xC0000002", "0x00000000"],
    ["0x00000000", "no IRP_MJ_CLEANUP routine", "0x00000000"],
  ]);
  const irps = events(r.stdout).filter((e) => e.event === "irp" && e.to === "\\Device\\KmdllIoUnsafe").map((e) => e.name);
  assert.deepEqual(irps, ["IRP_MJ_CREATE", "IRP_MJ_CLOSE"]);
});

test("a pended request: the program waits while the scheduler runs the driver's timer DPC, which completes it", async () => {
  const PENDING = ctl(0x806, 0, 0);
  const r = await cliBothArches((arch) => ["sim", "--json", "--install", kio(arch), "--", "start:kmdllio", "open:\\\\.\\KmdllIoBuf,as=h", `ioctl:h:${c(PENDING)}:41,out=1,expect=${hex([0x41 + 1])}`, `ioctl:h:${c(PENDING)}:7f,out=1,info=1`, "close:h"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const io = events(r.stdout).filter((e) => e.event === "io" && e.op === "ioctl");
  assert.deepEqual(io.map((e) => [e.status, e.output, e.completed]), [["0x00000000", "42", true], ["0x00000000", "80", true]]);
  assert.match(String(io[0]!.pended), /returned STATUS_PENDING; the IRP completed later/);
  const irp = events(r.stdout).find((e) => e.event === "irp" && e.ioctl === "0x8A002018");
  assert.equal(irp?.status, "0x00000103");
});

test("the requestor family: kmdllio.sys's IRP_MJ_CREATE calls IoGetRequestorProcess and IoGetRequestorProcessId (it fails the open when they disagree with the current process)", async () => {
  const { apisByComponent } = await import("../src/emu/api/index.js");
  const r = await runCli(["sim", "--json", "--trace", "--install", KIO, "--", "start:kmdllio", "open:\\\\.\\KmdllIoBuf,as=h", "close:h", "stop:kmdllio"]);
  assert.equal(r.code, 0, r.stderr);
  const called = new Set(events(r.stdout).filter((e) => e.event === "api").map((e) => String(e.api).replace(/^.*!/, "")));
  const mine = (apisByComponent["requestor"] ?? []).filter((a) => !a.stub && !RANKED.has(a.name)).map((a) => a.name);
  assert.ok(mine.length >= 2);
  assert.deepEqual(mine.filter((n) => !called.has(n)), [], "implemented but never called by examples/io-devices");
});
