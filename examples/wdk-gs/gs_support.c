/*
 * The /GS runtime of a kernel driver (what BufferOverflowK.lib provides), written from its
 * documented behaviour: the cookie starts at the compiler default; the loader must replace it
 * before the entry point runs, else GsDriverEntry fails fast with FAST_FAIL_GS_COOKIE_INIT.
 */
#include "wdkgs.h"

ULONG_PTR __security_cookie = WDKGS_DEFAULT_COOKIE;
ULONG_PTR __security_cookie_complement = ~WDKGS_DEFAULT_COOKIE;

DECLSPEC_NORETURN void WdkGsFastFail(unsigned int code)
{
    /* __fastfail: int 0x29 with the code in ecx. */
    __asm__ volatile("int $0x29" : : "c"(code) : "memory");
    __builtin_unreachable();
}

void __security_init_cookie(void)
{
    if (__security_cookie == 0 || __security_cookie == WDKGS_DEFAULT_COOKIE)
        WdkGsFastFail(FAST_FAIL_GS_COOKIE_INIT);
    __security_cookie_complement = ~__security_cookie;
}

/* Called by every function with a /GS frame on return, with the cookie it saved (xor RSP/ESP). */
void __fastcall __security_check_cookie(ULONG_PTR cookie)
{
    if (cookie != __security_cookie)
        WdkGsFastFail(FAST_FAIL_STACK_COOKIE_CHECK_FAILURE);
}

NTSTATUS GsDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    __security_init_cookie();
    return DriverEntry(DriverObject, RegistryPath);
}
