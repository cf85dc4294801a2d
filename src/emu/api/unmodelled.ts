/**
 * Routines whose subject the emulation does not model, handled so that the drivers importing them
 * load and a call is a clear, checked answer instead of an `unimplemented-api` stop. Each is a
 * stub (`kmdll apis --json`: "stub": true) and says why:
 *
 * - RtlCreateUserThread(Process, SecurityDescriptor, CreateSuspended, StackZeroBits, StackReserve,
 *   StackCommit, StartAddress, Parameter, ThreadHandle, ClientId) (undocumented on Microsoft Learn;
 *   prototype in the Windows SDK metadata) starts a user-mode thread in a process. kmdll models no
 *   user-mode threads: StartAddress NULL or a ProcessHandle that is not a process (NtCurrentProcess()
 *   or a process handle) is STATUS_INVALID_PARAMETER / STATUS_INVALID_HANDLE as in Windows, any
 *   other call STATUS_NOT_SUPPORTED (nothing is created, the out parameters are untouched).
 * - hal!HalDmaAllocateCrashDumpRegistersEx(Adapter, NumberOfMapRegisters, Type, MapRegisterBase,
 *   MapRegistersAvailable) / HalDmaFreeCrashDumpRegistersEx(Adapter, Type) (Windows 8+, the crash
 *   dump path of storage drivers): they work on a DMA adapter from IoGetDmaAdapter, and kmdll has
 *   no DMA adapters. Type must be HalDmaCrashDumpRegisterSet1 or Set2 (0, 1; else
 *   STATUS_INVALID_PARAMETER); an adapter is never one kmdll made: STATUS_INVALID_PARAMETER.
 */
import type { ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hal, hex, nt } from "./util.js";
import { lookupHandle } from "./ob.js";

const NT_CURRENT_PROCESS = 0xffffffffffffffffn;
const HAL_DMA_CRASH_DUMP_REGISTER_SET_MAX = 2;

export const apis: ApiDefinition[] = [
  {
    ...nt("RtlCreateUserThread", 10, (ctx) => {
      const [process, start] = [ctx.arg(0), ctx.arg(6)];
      ctx.describe([hex(process), hex(ctx.arg(1)), ctx.u32(2) & 0xff ? "TRUE" : "FALSE", String(ctx.u32(3)), hex(ctx.arg(4)), hex(ctx.arg(5)), hex(start), hex(ctx.arg(7)), hex(ctx.arg(8)), hex(ctx.arg(9))]);
      if (process !== NT_CURRENT_PROCESS) {
        const h = lookupHandle(ctx.kernel, process);
        if (!h) return STATUS.INVALID_HANDLE;
        if (h.type !== "Process") return STATUS.OBJECT_TYPE_MISMATCH;
      }
      if (start === 0n) return STATUS.INVALID_PARAMETER;
      return STATUS.NOT_SUPPORTED;
    }),
    stub: true,
    notes: "kmdll models no user-mode threads: a valid call is STATUS_NOT_SUPPORTED (handle and start address are checked)",
  },
  ...(["HalDmaAllocateCrashDumpRegistersEx", "HalDmaFreeCrashDumpRegistersEx"] as const).map((name) => ({
    ...hal(name, name.startsWith("HalDmaAllocate") ? 5 : 2, (ctx) => {
      const alloc = name.startsWith("HalDmaAllocate");
      const type = ctx.u32(alloc ? 2 : 1);
      ctx.describe(alloc ? [hex(ctx.arg(0)), String(ctx.u32(1)), String(type), hex(ctx.arg(3)), hex(ctx.arg(4))] : [hex(ctx.arg(0)), String(type)]);
      // A Type past HalDmaCrashDumpRegisterSetMax and an adapter kmdll did not make (every adapter) are both invalid.
      return type >= HAL_DMA_CRASH_DUMP_REGISTER_SET_MAX ? STATUS.INVALID_PARAMETER : STATUS.INVALID_PARAMETER;
    }),
    stub: true,
    notes: "kmdll has no DMA adapters (IoGetDmaAdapter), so no adapter is valid: STATUS_INVALID_PARAMETER",
  })),
];
