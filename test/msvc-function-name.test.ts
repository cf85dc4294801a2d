// cl.exe's `__FUNCTION__ "literal"` concatenation, which clang 14 rejects: the preprocessed text gets
// the enclosing function's name as a literal (src/toolchain/msvc-function-name.ts); kmdll build
// compiles a file that needs it and warns (examples/pnp-legacy's trace macro, test/pnp-legacy.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nameFunctionLiterals } from "../src/toolchain/msvc-function-name.js";
import { runCli } from "./helpers.js";

test("__FUNCTION__ before a string literal becomes the enclosing function's name; elsewhere it is left alone", () => {
  const text = [
    '# 1 "x.c"',
    "typedef struct { int a; } S;",
    "static S g = { 1 };",
    "__declspec(noinline) int __stdcall Entry(void *d, int (*cb)(int))",
    "{",
    '    const char *s = "__FUNCTION__ \\" {";',
    '    if (d) { Print(__FUNCTION__ ": " "x"); }',
    "    Print2(__FUNCTION__);",
    "    return 0;",
    "}",
    "int Decl(int);",
    "void Other(void) __attribute__((cold)) {",
    '# 40 "h.h"',
    '  Print(__FUNCTION__   L"wide");',
    "}",
    'const char *top = "__FUNCTION__";',
  ].join("\n");
  const r = nameFunctionLiterals(text);
  assert.equal(r.replaced, 2);
  assert.match(r.text, /Print\("Entry" ": " "x"\)/);
  assert.match(r.text, /Print2\(__FUNCTION__\);/, "not followed by a literal: clang handles it");
  assert.match(r.text, /Print\("Other"   L"wide"\)/);
  assert.match(r.text, /"__FUNCTION__ \\" \{"/, "inside a string: untouched");
  assert.equal(nameFunctionLiterals("int f(void) { return 0; }").replaced, 0);
});

test("kmdll build: a trace macro concatenating __FUNCTION__ compiles, with a warning naming the file; _KERNEL_MODE is 1 as under cl /kernel", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-fn-"));
  writeFileSync(join(dir, "sources"), "TARGETNAME=fn\nTARGETTYPE=DRIVER_LIBRARY\nSOURCES=fn.c\n");
  writeFileSync(join(dir, "fn.c"), '#include <ntddk.h>\n#if _KERNEL_MODE != 1\n#error not kernel mode\n#endif\n#define TRACE(f, ...) DbgPrint(__FUNCTION__ ": " f "\\n", __VA_ARGS__)\nvoid FnWork(int n) { TRACE("n=%d", n); }\n');
  const b = await runCli(["build", ".", "--arch", "x64", "--no-check"], { cwd: dir });
  assert.equal(b.code, 0, b.stdout + b.stderr);
  assert.match(b.stderr, /^fn\.c:1:1: warning: cl\.exe concatenates __FUNCTION__ with the string literals after it \(clang 14 cannot\); kmdll compiled the preprocessed file with the name of the enclosing function as a literal in 1 place\(s\)$/m);
});
