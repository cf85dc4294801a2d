/**
 * The machine code of x64 ntoskrnl's system-call entry as drivers read it (ssdt-x64.ts): our own
 * instructions with the shape of Windows 10 22H2's KiSystemCall64 (swapgs, the switch to the
 * kernel stack, the KTRAP_FRAME pushes and saves) running into KiSystemServiceUser,
 * KiSystemServiceStart and KiSystemServiceRepeat, whose `lea r10, [rip+KeServiceDescriptorTable]`
 * / `lea r11, [rip+KeServiceDescriptorTableShadow]` pair, the `test` of KTHREAD's GUI-thread flags
 * after it, and the table lookup (`movsxd r11, [r10+rax*4]; sar r11, 4; add r10, r11`) are what
 * scanners match. Encodings: Intel SDM vol. 2; displacements into KPCR / KTHREAD are of Windows 10
 * x64 (KPCR.UserRsp 0x10, Prcb.RspBase 0x1A8, Prcb.CurrentThread 0x188, KTHREAD.TrapFrame 0x90).
 * Never run: only read.
 */

type Part = number[] | ((at: number) => number[]);

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
/** A RIP-relative lea of `reg` (0x15: r10, 0x1D: r11) to `target`, from the code at `code`. */
const leaRip = (code: bigint, modrm: number, target: bigint) => (at: number) => [0x4c, 0x8d, modrm, ...le32(Number(target - (code + BigInt(at) + 7n)))];

function assemble(parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...(typeof p === "function" ? p(out.length) : p));
  return Uint8Array.from(out);
}

/** The entry's first instructions, to the KTRAP_FRAME's RIP: the user code selector pushed is 33h (64-bit) or 23h (32-bit). */
const entry = (codeSelector: number): Part[] => [
  [0x0f, 0x01, 0xf8], // swapgs
  [0x65, 0x48, 0x89, 0x24, 0x25, 0x10, 0x00, 0x00, 0x00], // mov gs:[10h], rsp
  [0x65, 0x48, 0x8b, 0x24, 0x25, 0xa8, 0x01, 0x00, 0x00], // mov rsp, gs:[1A8h]
  [0x6a, 0x2b], // push 2Bh
  [0x65, 0xff, 0x34, 0x25, 0x10, 0x00, 0x00, 0x00], // push qword ptr gs:[10h]
  [0x41, 0x53], // push r11
  [0x6a, codeSelector], // push 33h / 23h
  [0x51], // push rcx
];

const PROLOGUE: Part[] = [
  ...entry(0x33),
  [0x49, 0x8b, 0xca], // mov rcx, r10
  [0x48, 0x83, 0xec, 0x08], // sub rsp, 8
  [0x55], // push rbp
  [0x48, 0x81, 0xec, 0x58, 0x01, 0x00, 0x00], // sub rsp, 158h
  [0x48, 0x8d, 0xac, 0x24, 0x80, 0x00, 0x00, 0x00], // lea rbp, [rsp+80h]
  [0x48, 0x89, 0x9d, 0xc0, 0x00, 0x00, 0x00], // mov [rbp+0C0h], rbx
  [0x48, 0x89, 0xbd, 0xc8, 0x00, 0x00, 0x00], // mov [rbp+0C8h], rdi
  [0x48, 0x89, 0xb5, 0xd0, 0x00, 0x00, 0x00], // mov [rbp+0D0h], rsi
  [0x48, 0x89, 0x45, 0xb0], // mov [rbp-50h], rax
  [0x48, 0x89, 0x4d, 0xb8], // mov [rbp-48h], rcx
  [0x48, 0x89, 0x55, 0xc0], // mov [rbp-40h], rdx
  [0x65, 0x48, 0x8b, 0x1c, 0x25, 0x88, 0x01, 0x00, 0x00], // mov rbx, gs:[188h]
  [0x0f, 0x0d, 0x8b, 0x90, 0x00, 0x00, 0x00], // prefetchw [rbx+90h]
  [0x0f, 0xae, 0x5d, 0xac], // stmxcsr [rbp-54h]
  [0x65, 0x0f, 0xae, 0x14, 0x25, 0x80, 0x01, 0x00, 0x00], // ldmxcsr gs:[180h]
  [0xfb], // sti
  // KiSystemServiceUser:
  [0xc6, 0x45, 0xab, 0x02], // mov byte ptr [rbp-55h], 2 (KTRAP_FRAME.ExceptionActive)
  [0x65, 0x48, 0x8b, 0x1c, 0x25, 0x88, 0x01, 0x00, 0x00], // mov rbx, gs:[188h]
  [0x0f, 0x0d, 0x8b, 0x90, 0x00, 0x00, 0x00], // prefetchw [rbx+90h]
  // KiSystemServiceStart:
  [0x48, 0x89, 0xa3, 0x90, 0x00, 0x00, 0x00], // mov [rbx+90h], rsp (KTHREAD.TrapFrame)
  [0x8b, 0xf8], // mov edi, eax
  [0xc1, 0xef, 0x07], // shr edi, 7
  [0x83, 0xe7, 0x20], // and edi, 20h (the table: 0 the kernel's, 0x20 win32k's)
  [0x25, 0xff, 0x0f, 0x00, 0x00], // and eax, 0FFFh (the service number)
];

/** Offset of KiSystemServiceRepeat (the `lea r10`) in KiSystemCall64's bytes. */
export const REPEAT_LEA_OFFSET = assemble(PROLOGUE).length;

/** KiSystemCall64 placed at `code`, with the descriptors it loads. */
export function kiSystemCall64(code: bigint, ksdt: bigint, shadow: bigint, filter: bigint): Uint8Array {
  return assemble([
    ...PROLOGUE,
    // KiSystemServiceRepeat:
    leaRip(code, 0x15, ksdt), // lea r10, [KeServiceDescriptorTable]
    leaRip(code, 0x1d, shadow), // lea r11, [KeServiceDescriptorTableShadow]
    [0xf7, 0x43, 0x78, 0x80, 0x00, 0x00, 0x00], // test dword ptr [rbx+78h], 80h (GuiThread)
    [0x74, 0x13], // jz +13h
    [0xf7, 0x43, 0x78, 0x00, 0x00, 0x20, 0x00], // test dword ptr [rbx+78h], 200000h (RestrictedGuiThread)
    [0x74, 0x07], // jz +7
    leaRip(code, 0x1d, filter), // lea r11, [KeServiceDescriptorTableFilter]
    [0x4d, 0x8b, 0xd3], // mov r10, r11
    [0x41, 0x3b, 0x44, 0x3a, 0x10], // cmp eax, [r10+rdi+10h] (Limit)
    [0x0f, 0x83, ...le32(0x24)], // jae KiInvalidService (below)
    [0x4d, 0x8b, 0x14, 0x3a], // mov r10, [r10+rdi] (Base)
    [0x4d, 0x63, 0x1c, 0x82], // movsxd r11, dword ptr [r10+rax*4]
    [0x49, 0x8b, 0xc3], // mov rax, r11
    [0x49, 0xc1, 0xfb, 0x04], // sar r11, 4
    [0x4d, 0x03, 0xd3], // add r10, r11
    [0x41, 0xff, 0xd2], // call r10
    // KiSystemServiceExit:
    [0x65, 0x48, 0x8b, 0x24, 0x25, 0x10, 0x00, 0x00, 0x00], // mov rsp, gs:[10h]
    [0x0f, 0x01, 0xf8], // swapgs
    [0x48, 0x0f, 0x07], // sysretq
    // KiInvalidService:
    [0xb8, ...le32(0xc000001c)], // mov eax, STATUS_INVALID_SYSTEM_SERVICE
    [0xeb, 0xea], // jmp KiSystemServiceExit
  ]);
}

/** KiSystemCall32 (IA32_CSTAR, compatibility-mode `syscall`): the same entry's first instructions. */
export function kiSystemCall32(): Uint8Array {
  return assemble([
    ...entry(0x23),
    [0x0f, 0x0b], // ud2 (32-bit system calls are not modelled)
  ]);
}
