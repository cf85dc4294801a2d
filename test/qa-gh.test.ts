/**
 * What real drivers from GitHub needed of kmdll (docs/qa.md, issue 12, helper "gh-gaps"), on
 * examples/qa-gh built from C (x64 and x86): a second, writable system mapping of the driver's own
 * code through an MDL (CcProtect.sys), HalDispatchTable->HalQuerySystemInformation for
 * HalPlatformTimerInformation and the system callback objects (aswVmm.sys), CNG RSA keys
 * (tpm.sys), PsReferenceProcessFilePointer. Each Test* export checks results in C and returns the
 * number of failed checks; PrintRsaKey's key, signature and ciphertexts are checked here with
 * node:crypto (OpenSSL), another implementation than kmdll's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, createPrivateKey, privateDecrypt, publicDecrypt } from "node:crypto";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { loadAddon } from "../src/emu/native.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

const TESTS = ["TestCodeAlias", "TestPoolMapping", "TestHalQuery", "TestSystemCallbacks", "TestRsaVectors", "TestRsaKeys", "TestProcessFile", "TestImageSection"];

function run(arch: "x64" | "x86", routines: string[]) {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "qagh.sys")],
    steps: [
      { kind: "start", name: "qagh" },
      ...routines.map((t) => ({ kind: "call" as const, module: "qagh.sys", routine: t, args: [], expect: 0n })),
      { kind: "stop", name: "qagh" },
    ],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  const prints = events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
  return { events, r, prints };
}

for (const arch of ["x64", "x86"] as const) {
  test(`qagh.sys (${arch}): every check in C passes, nothing is left behind, and the driver stops`, () => {
    const { events, r, prints } = run(arch, TESTS);
    assert.deepEqual(prints.filter((p) => p.startsWith("FAIL")), []);
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
    assert.deepEqual(events.filter((e) => e.event === "warning" || e.event === "leak" || e.event === "fault" || e.event === "verifier"), []);
    // The routines this helper added or changed were all called (the HAL routine through HalDispatchTable).
    const called = new Set(events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api.replace(/^.*!/, "")));
    const wanted = ["MmMapLockedPagesSpecifyCache", "MmProtectMdlSystemAddress", "MmUnmapLockedPages", "HalDispatchTable->HalQuerySystemInformation", "ExCreateCallback", "PsReferenceProcessFilePointer",
      "BCryptGenerateKeyPair", "BCryptFinalizeKeyPair", "BCryptImportKeyPair", "BCryptExportKey", "BCryptEncrypt", "BCryptDecrypt", "BCryptSignHash", "BCryptVerifySignature", "BCryptDestroyKey"];
    assert.deepEqual(wanted.filter((n) => !called.has(n)), []);
  });

  test(`qagh.sys (${arch}): a write through a mapping made read-only by MmProtectMdlSystemAddress faults at the mapping's address`, () => {
    const { events, r } = run(arch, ["WriteReadOnlyAlias"]);
    assert.equal(r.ok, false);
    const fault = events.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
    assert.equal(fault?.kind, "invalid-write");
    // The system-PTE range (x64 0xfffff805..., x86 0x844...), not the code's own address.
    assert.match(fault!.message, arch === "x64" ? /at 0xfffff805[0-9a-f]{8} \(protection\)/ : /at 0x0*844[0-9a-f]{5} \(protection\)/);
  });
}

/** The big-endian numbers of a BCRYPT_RSAFULLPRIVATE_BLOB as base64url (a JWK). */
function jwkOf(blob: Buffer) {
  const [magic, bits, cbE, cbN, cbP, cbQ] = [0, 4, 8, 12, 16, 20].map((o) => blob.readUInt32LE(o)) as [number, number, number, number, number, number];
  assert.equal(magic, 0x33415352, "RSAFULLPRIVATE magic");
  assert.equal(bits, 1024);
  let at = 24;
  const take = (n: number) => blob.subarray(at, (at += n)).toString("base64url");
  const e = take(cbE), n = take(cbN), p = take(cbP), q = take(cbQ), dp = take(cbP), dq = take(cbQ), qi = take(cbP), d = take(cbN);
  assert.equal(at, blob.length);
  return { kty: "RSA", n, e, d, p, q, dp, dq, qi };
}

test("PrintRsaKey (x64): the key, its PKCS#1 signature and its PKCS#1 / OAEP ciphertexts check out with OpenSSL", () => {
  const { prints, r } = run("x64", ["PrintRsaKey"]);
  assert.equal(r.ok, true, r.results.map((x) => x.detail).join("; "));
  const hexOf = (what: string) => Buffer.from(prints.filter((p) => p.startsWith(`qagh ${what} `)).map((p) => p.split(" ")[2]!.trim()).join(""), "hex");
  // createPrivateKey checks the JWK's numbers against each other (n = p*q, d, CRT values).
  const key = createPrivateKey({ key: jwkOf(hexOf("blob")), format: "jwk" });
  const hash = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
  // EMSA-PKCS1-v1_5: DigestInfo of SHA-256 (RFC 8017 §9.2, note 1) then the hash.
  const digestInfo = Buffer.from("3031300d060960864801650304020105000420", "hex");
  assert.deepEqual(publicDecrypt(key, hexOf("sig")), Buffer.concat([digestInfo, hash]));
  assert.equal(privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, hexOf("oaep")).toString(), "kmdll secret");
  // PKCS#1 v1.5 type 2 (node refuses that padding for private decryption): 00 02 PS(nonzero, >= 8) 00 M.
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, hexOf("pkcs1"));
  const zero = em.indexOf(0, 2);
  assert.deepEqual([em[0], em[1]], [0, 2]);
  assert.ok(zero >= 10 && em.subarray(2, zero).every((b) => b !== 0));
  assert.equal(em.subarray(zero + 1).toString(), "kmdll secret");
});

test("softAlias (addon): a second range over a soft region's memory, its own rights, stale code dropped, removed by softUnalias", () => {
  const { Engine, constants: C } = loadAddon();
  const uc = new Engine("x64");
  const B = 0xfffff80100000000n, A = 0xfffff80500000000n;
  try {
    uc.softMap(B, 0x10000);
    uc.softProtect(B, 0x1000, C.prot.READ | C.prot.EXEC);
    uc.mapMemory(0x10000n, 0x10000, 7);
    uc.regWrite(C.regs.RSP, 0x18000n);
    uc.write(B, Uint8Array.of(0xb8, 1, 0, 0, 0, 0xf4)); // mov eax, 1; hlt
    assert.equal(uc.start(B, B + 5n, 0, 0), 0);
    assert.equal(uc.regRead(C.regs.RAX) & 0xffffffffn, 1n);
    // Not a soft region, not aligned, overlapping: refused.
    assert.throws(() => uc.softAlias!(A, 0x10000n, 0x1000, 3));
    assert.throws(() => uc.softAlias!(A + 1n, B, 0x1000, 3));
    assert.throws(() => uc.softAlias!(B + 0x1000n, B, 0x1000, 3));
    uc.softAlias!(A, B, 0x1000, C.prot.READ | C.prot.WRITE);
    assert.deepEqual([...uc.read(A, 2)], [0xb8, 1]);
    // A guest store through the alias: the original shows it and runs it (its translated code was dropped).
    // mov byte [rbx], 2 with rbx = A+1
    uc.write(0x11000n, Uint8Array.of(0xc6, 0x03, 0x02, 0xf4));
    uc.regWrite(C.regs.RBX, A + 1n);
    assert.equal(uc.start(0x11000n, 0x11003n, 0, 0), 0);
    assert.equal(uc.read(B + 1n, 1)[0], 2);
    assert.equal(uc.start(B, B + 5n, 0, 0), 0);
    assert.equal(uc.regRead(C.regs.RAX) & 0xffffffffn, 2n);
    // The alias's rights are its own: read-only now, the store faults; the original stays executable.
    uc.softProtect(A, 0x1000, C.prot.READ);
    assert.equal(uc.start(0x11000n, 0x11003n, 0, 0), C.err.WRITE_PROT);
    assert.equal(uc.start(B, B + 5n, 0, 0), 0);
    // Unmapping the alias's pages (-1) leaves the original's bytes; softUnalias removes it.
    uc.softProtect(A, 0x1000, -1);
    assert.equal(uc.read(B, 1)[0], 0xb8);
    uc.softUnalias!(A);
    assert.throws(() => uc.read(A, 1));
    assert.throws(() => uc.softUnalias!(A));
    // Memory mapped over a JS buffer (pool chunks, stacks): the alias shows the buffer.
    const buffer = new ArrayBuffer(0x2000);
    uc.mapHost(0x200000n, buffer, 3);
    uc.softAlias!(A, 0x201000n, 0x1000, C.prot.READ | C.prot.WRITE);
    uc.write(A + 8n, Uint8Array.of(0x77));
    assert.equal(new Uint8Array(buffer)[0x1008], 0x77);
    new Uint8Array(buffer)[0x1009] = 0x66;
    assert.equal(uc.read(A + 9n, 1)[0], 0x66);
    // A range running past the buffer is refused.
    assert.throws(() => uc.softAlias!(A + 0x10000n, 0x201000n, 0x2000, 3));
    uc.softUnalias!(A);
  } finally {
    uc.close();
  }
});
