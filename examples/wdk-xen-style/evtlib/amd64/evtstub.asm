; x64 helper of evtlib (ml64 syntax). EXTRN is MASM's older spelling of EXTERN.
	extrn EvtInitCount:dword

.code

	;; ULONG EvtAsmReadInitCount(VOID)
	public EvtAsmReadInitCount
EvtAsmReadInitCount proc
	mov eax, dword ptr [EvtInitCount]
	ret
EvtAsmReadInitCount endp

end
