/*
 * Privileged instructions kmdll observes through its instruction hooks (docs/verifier.md):
 * rdmsr/wrmsr with an MSR number computed at run time, in/out port I/O, syscall, lidt/sidt.
 */
#include "vfrules.h"

/* wrmsr with the MSR number in a variable: not the `mov ecx, imm32` form patched at load. */
VOID NTAPI WrmsrComputedBad(ULONG Msr)
{
    __writemsr(Msr, (ULONG64)(ULONG_PTR)&WrmsrComputedBad);
}

/* Reading an MSR whose number is computed: a warning, served from the machine model. */
LONG64 NTAPI WrmsrComputedClean(ULONG Msr)
{
    return (LONG64)__readmsr(Msr);
}

/* CMOS index/data ports (0x70/0x71): select register 0x0A, read it. Returns the value read. */
LONG64 NTAPI PortIoCmos(UCHAR Index)
{
    __outbyte(0x70, Index);
    return __inbyte(0x71);
}

/* Word and dword accesses: PCI configuration address/data (0xCF8/0xCFC), then a word port. */
LONG64 NTAPI PortIoWide(void)
{
    ULONG v;
    __outdword(0xCF8, 0x80000000UL);
    v = __indword(0xCFC);
    __outword(0x1F0, 0x1234);
    return (LONG64)v;
}

/* Kernel code executing `syscall`: the user-mode system-call path, never valid in a driver. */
LONG64 NTAPI SyscallBad(void)
{
    __asm__ volatile("syscall" ::: "rcx", "r11", "memory");
    return 1;
}

LONG64 NTAPI SyscallClean(void)
{
    return 1;
}

#pragma pack(push, 2)
typedef struct { USHORT Limit; ULONG64 Base; } VF_DESCRIPTOR;
#pragma pack(pop)

/* Loads the IDT register with a table of the driver's own: what an IDT-hooking rootkit does. */
LONG64 NTAPI LidtBad(void)
{
    static VF_DESCRIPTOR d;
    d.Limit = 0xFFF;
    d.Base = (ULONG64)(ULONG_PTR)&d;
    __asm__ volatile("lidt %0" : : "m"(d));
    return 1;
}

/* Reading the IDT register (sidt) is not privileged: a warning only. */
LONG64 NTAPI LidtClean(void)
{
    VF_DESCRIPTOR d;
    __asm__ volatile("sidt %0" : "=m"(d));
    return d.Limit != 0;
}
