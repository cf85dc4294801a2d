; cpu.asm (i386): ULONG64 VmlibReadCounter(void), cdecl.
        .686p
        .model  flat
        .data
counter dd      0
        .code
_VmlibReadCounter proc
        mov     eax, counter
        inc     eax
        mov     counter, eax
        xor     edx, edx
        ret
_VmlibReadCounter endp
        end
