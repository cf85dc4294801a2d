/**
 * The short, seeded fuzz run of `npm test`: every target of test/fuzz/targets.ts for a fraction of
 * a second (the same seed every time, so a failure reproduces). The long run for nightly use is
 * `npm run fuzz -- --long` (docs/fuzzing.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { TARGETS } from "./fuzz/targets.js";

const SEED = 18;
/** Per target; the whole file stays at a few seconds. */
const BUDGET_MS = 350;

for (const t of TARGETS) {
  test(`fuzz ${t.name}: ${t.about}`, async () => {
    const prop = await t.property();
    const r = fc.check(prop, { seed: SEED, numRuns: t.shortRuns, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false });
    assert.ok(r.numRuns > 0, "at least one run");
    if (r.failed) {
      assert.fail(
        `${t.name} failed after ${r.numRuns} runs: ${r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance)}\n` +
          `counterexample: ${fc.stringify(r.counterexample)}\nreplay: npm run fuzz -- --target ${t.name} --seed ${r.seed} --path ${r.counterexamplePath}`,
      );
    }
  });
}
