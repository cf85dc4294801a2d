/**
 * `npm run bench` as a smoke test: every benchmark runs on small inputs (--quick) and the table
 * has a row per measure with finite, positive figures. No timing is asserted (CI machines vary);
 * the real figures come from a full `npm run bench`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { repoPath } from "./helpers.js";

test("npm run bench -- --quick: one table with every benchmark's rows", () => {
  const r = spawnSync(process.execPath, [repoPath("dist", "bench", "all.js"), "--quick"], { encoding: "utf8", timeout: 300_000, maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^machine: .*logical CPU/m);
  assert.match(r.stdout, /^CLI: (bundled|unbundled) /m);
  const rows = r.stdout.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| measure"));
  for (const m of [/kmdll --version/, /tiny driver start\+stop/, /implib .* \(process\)/, /scan .*--jobs 2 \(process\)/, /--jobs 2 vs --jobs 1/, /kernel API call, in process/, /kernel API call, whole process/, /guest code: Burn/, /PE reader/, /check, every rule/, /loader: \d+ chained export drivers/, /loader: time per module/]) {
    const line = rows.find((l) => m.test(l));
    assert.ok(line, `no row for ${m}:\n${r.stdout}`);
    const cells = line.split("|").map((c) => c.trim());
    const ratio = Number(/^([0-9.]+)×$/.exec(cells[4]!)?.[1]);
    assert.ok(Number.isFinite(ratio) && ratio > 0, `${m}: ratio ${cells[4]}`);
  }
});
