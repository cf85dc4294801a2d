/**
 * DriverEntry through EmulatorExecutor: a DRIVER_OBJECT laid out from the DDK headers, the
 * RegistryPath string, DriverUnload stored by the driver, and an import of another driver.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { EmulatorExecutor } from "../src/emu/executor.js";
import { parsePe } from "../src/formats/pe/index.js";
import { L64 } from "../src/nt/layouts.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

function load(ex: EmulatorExecutor, name: string) {
  const bytes = new Uint8Array(readFileSync(fixture("x64", name)));
  const image = parsePe(bytes);
  ex.mapImage(name, image, bytes);
  for (const imp of image.imports)
    for (const fn of imp.functions) {
      let a = ex.kernelExport(imp.dll, fn.name, fn.ordinal);
      if (a === null) {
        const dep = ex.emu.module(imp.dll)!;
        a = dep.base + BigInt(dep.image.exports!.functions.find((f) => f.names.includes(fn.name!))!.rva!);
      }
      ex.writeIat(name, fn.iatRva, a);
    }
  return image;
}

test("DriverEntry gets a DRIVER_OBJECT and RegistryPath; DriverUnload is found and called", () => {
  const events: TraceEvent[] = [];
  const ex = new EmulatorExecutor({ sink: (e) => events.push(e) });
  try {
    load(ex, "mydriver.sys");
    const client = load(ex, "client.sys");
    const rp = "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\client";
    const r = ex.callDriverEntry("client.sys", client.optional.addressOfEntryPoint, "client", rp);
    assert.deepEqual(r, { ok: true, value: 0n });
    const dbg = events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
    assert.deepEqual(dbg, [`client: DriverEntry(${rp}): LoadPrinterDriver(41) = 42\n`]);
    const obj = ex.driverObject("client.sys")!;
    const mem = ex.emu.mem;
    const D = L64.DRIVER_OBJECT;
    const mod = ex.emu.module("client.sys")!;
    assert.equal(mem.u16(obj + BigInt(D.Type)), 4); // IO_TYPE_DRIVER
    assert.equal(mem.u16(obj + BigInt(D.Size)), D.$size);
    assert.equal(mem.u64(obj + BigInt(D.DriverStart)), mod.base);
    assert.equal(mem.u32(obj + BigInt(D.DriverSize)), mod.size);
    assert.equal(mem.u64(obj + BigInt(D.DriverInit)), mod.base + BigInt(client.optional.addressOfEntryPoint));
    const ustr = (a: bigint) => mem.read(mem.u64(a + BigInt(L64.UNICODE_STRING.Buffer)), mem.u16(a + BigInt(L64.UNICODE_STRING.Length)));
    const text = (b: Uint8Array) => String.fromCharCode(...new Uint16Array(b.buffer, b.byteOffset, b.length / 2));
    assert.equal(text(ustr(obj + BigInt(D.DriverName))), "\\Driver\\client");
    const ext = mem.u64(obj + BigInt(D.DriverExtension));
    assert.equal(mem.u64(ext + BigInt(L64.DRIVER_EXTENSION.DriverObject)), obj);
    assert.equal(text(ustr(ext + BigInt(L64.DRIVER_EXTENSION.ServiceKeyName))), "client");
    // Every MajorFunction points at the kernel's default (invalid device request) routine.
    const mj = mem.u64(obj + BigInt(D.MajorFunction));
    for (let i = 1; i < 28; i++) assert.equal(mem.u64(obj + BigInt(D.MajorFunction) + BigInt(8 * i)), mj);
    assert.equal(ex.emu.moduleAt(mj)?.name, "ntoskrnl.exe");
    // The driver stored its DriverUnload (ClientUnload inside client.sys).
    const unload = ex.driverUnloadRoutine("client.sys")!;
    assert.equal(ex.emu.moduleAt(unload)?.name, "client.sys");
    assert.equal(ex.callDriverUnload("client.sys").ok, true); // VOID routine: RAX is whatever was left
    assert.ok(events.some((e) => e.event === "dbgprint" && (e as { text: string }).text === "client: DriverUnload\n"));
    // mydriver.sys has no DRIVER_OBJECT (never started): no unload routine.
    assert.equal(ex.driverUnloadRoutine("mydriver.sys"), null);
    assert.equal(ex.callDriverUnload("mydriver.sys").ok, false);
  } finally {
    ex.close();
  }
});
