; cpu.asm (i386): ULONG64 VmlibReadCounter(void), stdcall as the WDK compiles x86 C (/Gz): _VmlibReadCounter@0.
        .686p
        .model  flat
        .data
counter dd      0
        .code
_VmlibReadCounter@0 proc
        mov     eax, counter
        inc     eax
        mov     counter, eax
        xor     edx, edx
        ret
_VmlibReadCounter@0 endp
        end
