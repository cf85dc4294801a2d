/** `kmdll --help` and the subcommands' help: every description starts in lower case, like the others. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "./helpers.js";

/** Commander's "Commands:" section: name + description, one per line (continuations indented further). */
function commandDescriptions(help: string): Map<string, string> {
  const m = new Map<string, string>();
  const at = help.indexOf("Commands:");
  assert.ok(at >= 0, help);
  for (const line of help.slice(at).split("\n").slice(1)) {
    const x = /^  (\S+)(?: \[[^\]]*\]| <[^>]*>| \[options\])*\s{2,}(\S.*)$/.exec(line);
    if (x) m.set(x[1]!, x[2]!);
  }
  return m;
}

for (const args of [["--help"], ["def", "--help"], ["lib", "--help"]]) {
  test(`kmdll ${args.join(" ")}: command descriptions start in lower case`, async () => {
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    const d = commandDescriptions(r.stdout);
    assert.ok(d.size >= 2, r.stdout);
    for (const [name, desc] of d) {
      if (name === "help") continue;
      assert.match(desc, /^[a-z]/, `${name}: ${desc}`);
    }
  });
}

test("kmdll --help lists def, implib and lib", async () => {
  const d = commandDescriptions((await runCli(["--help"])).stdout);
  for (const c of ["def", "implib", "lib", "check", "build"]) assert.ok(d.has(c), [...d.keys()].join(" "));
});
