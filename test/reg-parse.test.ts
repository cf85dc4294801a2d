/** The .reg parser and writer, and the registry model, against hand-checked files and Wine's regedit. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import {
  parseRegFile,
  formatRegFile,
  RegSyntaxError,
  REG_BINARY,
  REG_DWORD,
  REG_EXPAND_SZ,
  REG_MULTI_SZ,
  REG_QWORD,
  REG_SZ,
  decodeRegMultiString,
  decodeRegString,
  regPathToNt,
} from "../src/formats/reg/index.js";
import { Registry } from "../src/nt/registry.js";
import { inFile } from "../src/errors.js";
import fc from "fast-check";

const SAMPLE = [
  "Windows Registry Editor Version 5.00",
  "",
  "; a comment",
  "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\mydriver]",
  '"ImagePath"="\\\\SystemRoot\\\\System32\\\\drivers\\\\mydriver.sys"',
  '"Start"=dword:00000003',
  '"Type"=dword:1',
  '@="default"',
  '"Quote"="a \\"b\\" c"',
  '"Blob"=hex:01,02,\\',
  "  ff,10",
  '"Path"=hex(2):25,00,41,00,25,00,00,00',
  '"List"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00',
  '"Big"=hex(b):01,00,00,00,02,00,00,00',
  '"Odd"=hex(0):',
  "",
  "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Gone]",
  '"x"=dword:1',
  "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Gone]",
  "[HKLM\\SYSTEM\\CurrentControlSet\\Services\\mydriver]",
  '"Type"=-',
  "",
].join("\r\n");

test("parses keys, every value kind, deletes and continuations", () => {
  const f = parseRegFile(SAMPLE);
  assert.equal(f.version, "5.00");
  const values = f.operations.filter((o) => o.op === "value");
  const byName = new Map(values.map((v) => [v.op === "value" ? v.name : "", v]));
  const get = (n: string) => {
    const v = byName.get(n);
    assert.ok(v && v.op === "value", n);
    return v;
  };
  assert.equal(decodeRegString(get("ImagePath").data), "\\SystemRoot\\System32\\drivers\\mydriver.sys");
  assert.equal(get("ImagePath").type, REG_SZ);
  assert.deepEqual([...get("Start").data], [3, 0, 0, 0]);
  assert.equal(get("Start").type, REG_DWORD);
  assert.equal(decodeRegString(get("").data), "default");
  assert.equal(decodeRegString(get("Quote").data), 'a "b" c');
  assert.deepEqual([...get("Blob").data], [1, 2, 0xff, 0x10]);
  assert.equal(get("Blob").type, REG_BINARY);
  assert.equal(get("Path").type, REG_EXPAND_SZ);
  assert.equal(decodeRegString(get("Path").data), "%A%");
  assert.equal(get("List").type, REG_MULTI_SZ);
  assert.deepEqual(decodeRegMultiString(get("List").data), ["a", "bc"]);
  assert.equal(get("Big").type, REG_QWORD);
  assert.equal(get("Odd").type, 0);
  assert.equal(get("Odd").data.length, 0);
  assert.deepEqual(
    f.operations.filter((o) => o.op !== "value").map((o) => `${o.op} ${o.path}${"name" in o ? " " + o.name : ""}`),
    [
      "key \\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\mydriver",
      "key \\REGISTRY\\MACHINE\\SOFTWARE\\Gone",
      "delete-key \\REGISTRY\\MACHINE\\SOFTWARE\\Gone",
      "key \\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\mydriver",
      "delete-value \\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\mydriver Type",
    ],
  );
});

test("UTF-16LE with BOM and UTF-8 with BOM decode to the same operations", () => {
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, "utf16le")]);
  const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE, "utf8")]);
  const a = parseRegFile(new Uint8Array(utf16));
  const b = parseRegFile(new Uint8Array(utf8));
  assert.equal(a.encoding, "utf-16le");
  assert.equal(b.encoding, "utf-8");
  assert.deepEqual(a.operations, b.operations);
  assert.deepEqual(a.operations, parseRegFile(SAMPLE).operations);
});

test("syntax errors are positioned file:line:col", () => {
  const cases: [string, RegExp][] = [
    ["REGEDIT5\n", /^x\.reg:1:1: expected "Windows Registry Editor Version 5\.00"/],
    ['Windows Registry Editor Version 5.00\n\n"a"="b"\n', /^x\.reg:3:1: value outside of a key/],
    ["Windows Registry Editor Version 5.00\n[HKEY_NOWHERE\\x]\n", /^x\.reg:2:2: unknown root key "HKEY_NOWHERE"/],
    ["Windows Registry Editor Version 5.00\n[\\Registry]\n", /^x\.reg:2:2: unknown root key/],
    ["Windows Registry Editor Version 5.00\n[HKLM\\x]\n\"a\"=dword:123456789\n", /^x\.reg:3:11: dword value must be 1 to 8 hex digits/],
    ["Windows Registry Editor Version 5.00\n[HKLM\\x]\n\"a\"=hex:01,\\\n  zz\n", /^x\.reg:4:3: expected a hex byte/],
    ["Windows Registry Editor Version 5.00\n[HKLM\\x]\n\"a=\"b\"\n", /^x\.reg:3:\d+: (expected '='|unterminated)/],
    ["Windows Registry Editor Version 5.00\n[HKLM\\x]\n\"a\"=\"b\n", /^x\.reg:3:5: unterminated string/],
    ["Windows Registry Editor Version 5.00\n[HKLM\\x]\n\"a\"=wat:1\n", /^x\.reg:3:5: unknown value data/],
    ["Windows Registry Editor Version 5.00\n[HKLM\\x\n", /^x\.reg:2:1: key line has no closing/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => inFile("x.reg", () => parseRegFile(text)),
      (e: unknown) => e instanceof RegSyntaxError && re.test(e.message),
      text,
    );
  }
});

test("registry model: case-insensitive keys, CurrentControlSet link, apply deletes", () => {
  const r = new Registry();
  r.apply(parseRegFile(SAMPLE));
  const svc = "\\Registry\\Machine\\System\\ControlSet001\\Services\\MYDRIVER";
  assert.equal(r.getString(svc, "imagepath"), "\\SystemRoot\\System32\\drivers\\mydriver.sys");
  assert.equal(r.getDword("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\mydriver", "Start"), 3);
  assert.equal(r.getValue(svc, "Type"), undefined, "deleted by Type=-");
  assert.equal(r.openKey("\\REGISTRY\\MACHINE\\SOFTWARE\\Gone"), null);
  assert.equal(r.openKey(svc)!.path, "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\mydriver");
  // deleting a key with subkeys needs recursive
  const parent = r.createKey("\\REGISTRY\\MACHINE\\SOFTWARE\\P")!.key;
  r.createKey("\\REGISTRY\\MACHINE\\SOFTWARE\\P\\child");
  assert.equal(r.deleteKey(parent), false);
  assert.equal(r.deleteKey(parent, true), true);
  assert.equal(parent.deleted, true);
  assert.equal(regPathToNt("HKCR\\.txt"), "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes\\.txt");
  r.apply(parseRegFile("Windows Registry Editor Version 5.00\n[-HKEY_LOCAL_MACHINE]\n[-HKEY_USERS]\n"));
  assert.ok(r.openKey("\\REGISTRY\\MACHINE\\SOFTWARE"), "hive roots survive [-HKEY_LOCAL_MACHINE]");
});

test("writer round-trips through the parser", () => {
  const ops = parseRegFile(SAMPLE).operations;
  const text = formatRegFile(ops);
  const again = parseRegFile(text).operations;
  const strip = (o: (typeof ops)[number]) => ({ ...o, line: 0 });
  const a = new Registry();
  a.apply({ version: "5.00", encoding: "utf-8", operations: ops });
  const b = new Registry();
  b.apply({ version: "5.00", encoding: "utf-8", operations: again });
  assert.deepEqual(b.dump(), a.dump());
  assert.equal(again.filter((o) => o.op === "value").length, ops.filter((o) => o.op === "value").length);
  void strip;
});

function findWine(): string | null {
  for (const c of ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"]) if (existsSync(c)) return c;
  return null;
}

test("Wine's regedit imports our test file and exports what our parser read", { timeout: 180_000 }, () => {
  const wine = findWine();
  // scripts/setup.sh installs wine64: its absence is a set-up error, not a reason to skip.
  assert.ok(wine, "wine64 is not installed: run bash scripts/setup.sh");
  const dir = mkdtempSync(join(tmpdir(), "kmdll-wine-"));
  try {
    const longHex = Array.from({ length: 100 }, (_, i) => (i * 7) & 0xff);
    const input = [
      "Windows Registry Editor Version 5.00",
      "",
      "[HKEY_LOCAL_MACHINE\\Software\\KmdllTest]",
      '"Str"="C:\\\\path \\"quoted\\" ;not a comment"',
      '@="the default"',
      '"Dw"=dword:deadbeef',
      '"Bin"=' + "hex:" + longHex.map((b) => b.toString(16).padStart(2, "0")).join(",\\\n  ").replace(/,\\\n {2}/g, (m, off) => (off % 30 === 0 ? m : ",")),
      // hex(2)/hex(7) are left out: Debian's Wine 8 regedit stores each UTF-16 unit of them as
      // 4 bytes on import (`wine reg query` then shows "%" for "%SYS%"), so it cannot judge them.
      '"Q"=hex(b):88,77,66,55,44,33,22,11',
      '"Gone"="x"',
      '"Gone"=-',
      "",
      "[HKEY_LOCAL_MACHINE\\Software\\KmdllTest\\Sub Key]",
      '"n"=dword:00000001',
      "[HKEY_LOCAL_MACHINE\\Software\\KmdllTest\\Removed]",
      '"n"=dword:00000002',
      "[-HKEY_LOCAL_MACHINE\\Software\\KmdllTest\\Removed]",
      "",
    ].join("\r\n");
    const inPath = join(dir, "in.reg");
    const outPath = join(dir, "out.reg");
    writeFileSync(inPath, input);
    const env = { ...process.env, WINEPREFIX: join(dir, "prefix"), WINEDEBUG: "-all", WINEDLLOVERRIDES: "mscoree,mshtml=" };
    const imp = spawnSync(wine, ["regedit", "/S", "Z:" + inPath.replace(/\//g, "\\")], { env, encoding: "utf8", timeout: 120_000 });
    assert.equal(imp.status, 0, imp.stderr);
    const exp = spawnSync(wine, ["regedit", "/E", "Z:" + outPath.replace(/\//g, "\\"), "HKEY_LOCAL_MACHINE\\Software\\KmdllTest"], { env, encoding: "utf8", timeout: 60_000 });
    assert.equal(exp.status, 0, exp.stderr);
    const exported = parseRegFile(new Uint8Array(readFileSync(outPath)));
    assert.equal(exported.encoding, "utf-16le");
    const ours = new Registry();
    ours.apply(parseRegFile(input));
    const theirs = new Registry();
    theirs.apply(exported);
    const sub = "\\REGISTRY\\MACHINE\\SOFTWARE\\KmdllTest";
    const norm = (d: ReturnType<Registry["dump"]>) =>
      JSON.stringify(d.map((k) => ({ ...k, values: [...k.values].sort((x, y) => (x.name < y.name ? -1 : 1)) })), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    assert.equal(norm(theirs.dump(sub)), norm(ours.dump(sub)));
    assert.ok(ours.openKey(sub + "\\Sub Key"));
    assert.equal(ours.openKey(sub + "\\Removed"), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("any input either parses or fails with a positioned RegSyntaxError (fuzz)", () => {
  const header = "Windows Registry Editor Version 5.00\r\n";
  const line = fc.oneof(
    fc.constantFrom("[HKLM\\SOFTWARE\\a]", "[-HKLM\\SOFTWARE\\a]", '"v"=dword:1', '"v"=hex:01,\\', "  02", '@="x"', '"v"=-', "; c", "", '"v"="a\\"b"', "[", '"'),
    fc.string({ maxLength: 30 }),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 12 }), fc.boolean(), (lines, utf16) => {
      const text = header + lines.join("\r\n");
      const input = utf16 ? new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])) : text;
      try {
        const f = parseRegFile(input);
        new Registry().apply(f);
      } catch (e) {
        if (!(e instanceof RegSyntaxError)) throw e;
        assert.ok(e.line >= 1 && e.line <= lines.length + 1 && e.column >= 1, e.message);
      }
    }),
    { numRuns: 500, seed: 42 },
  );
  for (const bytes of [Uint8Array.of(0xff, 0xfe, 0x41), Uint8Array.of(0xfe, 0xff, 0, 0x41), new Uint8Array(0)])
    assert.throws(() => parseRegFile(bytes), RegSyntaxError);
});
