; ULONG GzSum3(ULONG a, ULONG b, ULONG c) for x86: stdcall, as gzcommon.h declares it under the
; WDK's /Gz. Calls the C routine GzSum by its stdcall name and relies on it popping its two
; arguments: the stack pointer is checked after each call (0BAD0BADh when it is off).
        .386
        .model flat

        EXTERN _GzSum@8:PROC

        .code

_GzSum3@12 PROC
        push    esi
        mov     esi, esp
        push    dword ptr [esp+12]      ; b
        push    dword ptr [esp+12]      ; a (moved up by the push)
        call    _GzSum@8
        cmp     esp, esi
        jne     off
        push    dword ptr [esp+16]      ; c
        push    eax                     ; a + b
        call    _GzSum@8
        cmp     esp, esi
        jne     off
        pop     esi
        ret     12
off:
        mov     esp, esi
        mov     eax, 0BAD0BADh
        pop     esi
        ret     12
_GzSum3@12 ENDP

        END
