/**
 * x86 KPCR.KdVersionBlock (+0x34; ReactOS ndk/i386/ketypes.h, KIPCR): the kernel debugger's
 * DBGKD_GET_VERSION64 (wdbgexts.h; ReactOS windbgkd.h, filled in ntoskrnl/kd64/kddata.c and
 * kdinit.c), which x86 Windows points processor 0's KPCR at whether or not a debugger is
 * attached. Rootkit-era drivers (swap_hook.sys, the "KdVersionBlock" idiom) find the loaded
 * module list without an export through it: `mov eax, fs:[34h]; mov eax, [eax+18h]`.
 *
 * Layout: MajorVersion 0 (0xF: a free build), MinorVersion 2 (the build number), ProtocolVersion
 * 4 (6, DBGKD_64BIT_PROTOCOL_VERSION2), KdSecondaryVersion 5, Flags 6 (DBGKD_VERS_FLAG_DATA 2),
 * MachineType 8 (IMAGE_FILE_MACHINE_I386), MaxPacketType 0xA, MaxStateChange 0xB,
 * MaxManipulate 0xC, Simulation 0xD, KernBase 0x10, PsLoadedModuleList 0x18, DebuggerDataList
 * 0x20 — the three addresses 64-bit, sign-extended on x86. The packet limits stay 0 and
 * DebuggerDataList NULL: kmdll has no kernel debugger and no debugger data list.
 */
import type { EngineMemory } from "./memory.js";

export const X86_KPCR_KD_VERSION_BLOCK = 0x34;
const SIZE = 0x28;

/** Sign-extend an x86 kernel address to the 64 bits the debugger structures hold. */
const sx = (a: bigint) => BigInt.asUintN(64, BigInt.asIntN(32, a));

/** Write the block at `at` and point the KPCR at it. */
export function writeKdVersionBlock(mem: EngineMemory, kpcr: bigint, at: bigint, kernBase: bigint, psLoadedModuleList: bigint, build: number): void {
  mem.write(at, new Uint8Array(SIZE));
  mem.setU16(at, 0xf);
  mem.setU16(at + 2n, build);
  mem.setU8(at + 4n, 6);
  mem.setU16(at + 6n, 2);
  mem.setU16(at + 8n, 0x14c);
  mem.setU64(at + 0x10n, sx(kernBase));
  mem.setU64(at + 0x18n, sx(psLoadedModuleList));
  mem.setU32(kpcr + BigInt(X86_KPCR_KD_VERSION_BLOCK), Number(at));
}
