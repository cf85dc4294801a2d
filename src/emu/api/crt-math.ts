/**
 * sqrt, the C runtime's square root that x64 ntoskrnl.exe exports (the WDK's x64 ntoskrnl.lib
 * lists it: real drivers import it, docs/qa.md "packs" — AppleWTP.sys; Learn documents no CRT
 * export of the kernel, and mingw-w64 and ReactOS's ntoskrnl.spec lack it). MS x64 convention
 * (Learn, "x64 calling convention"): the double argument and the result are in XMM0.
 *
 * kmdll's API handlers see the general registers only, so the routine runs as x64 code: its thunk
 * resumes the caller's call at a 5-byte routine `sqrtsd xmm0, xmm0; ret` (F2 0F 51 C0 C3, Intel SDM
 * vol. 2 "SQRTSD") made once per run in an executable system mapping of kernel pool, which returns
 * to the caller with the IEEE 754 square root the CPU computes: a negative argument gives the
 * default NaN and -0.0 gives -0.0, as the CRT's sqrt (_DOMAIN errors are not reported through errno
 * by the kernel's CRT). ARM64 and x86 (not exported there in kmdll's database) are a gap.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { nt } from "./util.js";

const CODE = Uint8Array.of(0xf2, 0x0f, 0x51, 0xc0, 0xc3);
const R = 1, X = 4;

function routine(ctx: ApiContext): bigint {
  return ctx.kernel.state("crt-math", () => {
    const block = ctx.kernel.kernelPool?.allocate(0x10, 0x7472714d /* 'Mqrt' */) ?? 0n;
    if (block === 0n) return 0n;
    ctx.mem.write(block, CODE);
    const va = ctx.kernel.systemMappings?.alias(block & ~0xfffn, 0x1000, R | X) ?? null;
    return va === null ? 0n : va + (block & 0xfffn);
  });
}

export const apis: ApiDefinition[] = [
  {
    ...nt("sqrt", 1, (ctx) => {
      ctx.describe(["(double in XMM0)"]);
      const cpu = ctx.cpu;
      if (!cpu?.resumeAt || cpu.arch !== "x64") return ctx.fault("unimplemented-api", "kmdll implements ntoskrnl!sqrt for x64 callers only (the argument is in a floating-point register)", { api: ctx.api });
      const at = routine(ctx);
      if (at === 0n) return ctx.fault("unimplemented-api", "ntoskrnl!sqrt: no executable system mapping for its code", { api: ctx.api });
      return cpu.resumeAt(at, cpu.get("RSP"));
    }),
    notes: "x64: runs sqrtsd on XMM0 (the CPU's IEEE square root) and returns to the caller",
  },
];
