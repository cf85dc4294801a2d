; cpu.asm (amd64): ULONG64 VmlibReadCounter(void) -- a counter kept in memory (no privileged instructions).
        .data
counter dq      0
        .code
VmlibReadCounter proc
        mov     rax, counter
        inc     rax
        mov     counter, rax
        ret
VmlibReadCounter endp
        end
