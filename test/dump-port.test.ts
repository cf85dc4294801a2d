/**
 * A crash-dump port driver started as a service (examples/dump-port): its DriverEntry takes the
 * second argument for a DUMP_INITIALIZATION_CONTEXT and dereferences PortConfiguration (+0x60),
 * which lies in the registry path's text. The fault names that contract (docs/qa.md session 12:
 * three Avast dump drivers of the GitHub set). The offset comes from the example's header and the
 * read instruction from llvm-objdump; the text check decodes the fault address here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, runCli, tool } from "./helpers.js";

const SYS = fixture("x64", "dumpport.sys");

test("dumpport.sys started as a service: the wild read through RegistryPath+0x60 is reported as UTF-16 text of the services key path, with the crash-dump port driver's contract named (x64)", async () => {
  // The driver's own code reads the pointer at +0x60 of its second argument (rdx).
  const dis = tool("llvm-objdump", ["-d", "--no-show-raw-insn", SYS]).stdout;
  assert.match(dis, /movq\s+0x60\(%rdx\), %r\w+|movq\s+96\(%rdx\), %r\w+/);
  const r = await runCli(["sim", "--json", "--install", SYS, "--", "start:dumpport"]);
  assert.equal(r.code, 1, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const f = events.find((e) => e.event === "fault") as { kind?: string; message?: string; address?: string; textPointer?: string } | undefined;
  assert.ok(f, r.stdout);
  assert.equal(f.kind, "invalid-read");
  assert.equal(f.textPointer, "registry-path");
  // The address's upper three UTF-16 units, decoded here, are text of the driver's registry path.
  const a = BigInt(String(f.address));
  const chars = [16n, 32n, 48n].map((s) => String.fromCharCode(Number((a >> s) & 0xffffn))).join("");
  assert.ok("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\dumpport".includes(chars), `${chars} from ${f.address}`);
  assert.match(String(f.message), new RegExp(`UTF-16 text "${chars.replace(/\\/g, "\\\\")}" of the services key path`));
  assert.match(String(f.message), /DUMP_INITIALIZATION_CONTEXT/);
});
