/** Typed per-component kernel state (src/emu/api/state.ts) over the KernelState bag. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { componentState, declaredComponents } from "../src/emu/api/state.js";
import { ioState } from "../src/emu/iomgr/index.js";
import { objectManager } from "../src/emu/obmgr/index.js";
import { registryOf } from "../src/emu/api/index.js";
import { Registry } from "../src/nt/registry.js";
import { FakeKernel } from "./api-fake.js";

test("componentState: one lazily created state per kernel, stored in the state() bag under its name", () => {
  const counter = componentState("test.counter", () => ({ n: 0 }));
  const a = new FakeKernel();
  const b = new FakeKernel();
  counter(a).n++;
  counter(a).n++;
  assert.equal(counter(a).n, 2);
  assert.equal(counter(b).n, 0);
  // Handlers written against the untyped bag see the same object.
  assert.equal(a.state("test.counter", () => ({ n: -1 })), counter(a));
});

test("componentState: a name can be declared only once; provide() seeds a kernel before first use", () => {
  assert.throws(() => componentState("test.counter2", () => 1) && componentState("test.counter2", () => 2), /declared twice/);
  const k = new FakeKernel();
  const reg = new Registry();
  assert.equal(registryOf.provide(k, reg), reg);
  assert.equal(registryOf(k), reg);
  assert.throws(() => registryOf.provide(k, new Registry()), /already in use/);
  // The emulator's components are declared: io, ob, registry (and the others the handlers use).
  for (const c of [ioState.component, objectManager.component, "registry"]) assert.ok(declaredComponents().includes(c), c);
});
