/*
 * apiprintf.sys — DbgPrint and friends over the kernel printf dialect. PrintShared,
 * SnprintfShared and VPrintShared print every case of cases.h (compared with the host C library
 * by the test); PrintKernel prints the Windows-only conversions (%wZ %Z %ws %S %C %p %I64...);
 * PrintEx uses DbgPrintEx, vDbgPrintEx and vDbgPrintExWithPrefix.
 */
#include "../include/apitest.h"
#include <stdarg.h>

int __cdecl _snprintf(char *, size_t, const char *, ...);

EXPORT_DRIVER_BOILERPLATE(apiprintf)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

int NTAPI PrintShared(void)
{
    int n = 0;
#define CASE(...) (DbgPrint(__VA_ARGS__), n++);
#include "cases.h"
#undef CASE
    return n;
}

int NTAPI SnprintfShared(void)
{
    char buf[256];
    int n = 0;
#define CASE(...) (_snprintf(buf, sizeof buf, __VA_ARGS__), DbgPrint("%s", buf), n++);
#include "cases.h"
#undef CASE
    return n;
}

static void VPrint(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vDbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, fmt, ap);
    va_end(ap);
}

int NTAPI VPrintShared(void)
{
    int n = 0;
#define CASE(...) (VPrint(__VA_ARGS__), n++);
#include "cases.h"
#undef CASE
    return n;
}

int NTAPI PrintKernel(void)
{
    UNICODE_STRING u;
    ANSI_STRING a;
    UNICODE_STRING empty = { 0, 0, NULL };
    RtlInitUnicodeString(&u, L"mydriver");
    RtlInitAnsiString(&a, "ansi");
    DbgPrint("%wZ|%Z|%.3wZ|%-10wZ|", &u, &a, &u, &u);
    DbgPrint("%ws|%S|%ls|%hs|%s", L"wide", L"wide", L"wide", "narrow", "narrow");
    DbgPrint("%C|%c|%lc|%wc|%hc", L'W', 'n', L'L', L'w', 'h');
    DbgPrint("%p|%p", (PVOID)0x1234, (PVOID)(ULONG_PTR)0xFFFFF80100000000ULL);
    DbgPrint("%I64x|%I64X|%I64d|%I64u", 0x123456789ABCDEF0ULL, 0x123456789ABCDEF0ULL, -5LL, 18446744073709551615ULL);
    DbgPrint("%Ix|%Id|%I32u|%I32x|%zu|%zx", (ULONG_PTR)0xFFFFF80000000000ULL, (LONG_PTR)-1, 4294967295u, 0xABCDu, (SIZE_T)77, (SIZE_T)255);
    DbgPrint("%s|%ws|%wZ|%Z|%wZ", (char *)NULL, (WCHAR *)NULL, (PUNICODE_STRING)NULL, (PANSI_STRING)NULL, &empty);
    DbgPrint("%y|%k|%%|%5%|end");
    DbgPrint("%-12ws|%12ws|", L"left", L"right");
    DbgPrint("%#p", (PVOID)0xABC);
    return 10;
}

static void VPrefix(const char *prefix, ULONG level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vDbgPrintExWithPrefix(prefix, DPFLTR_IHVDRIVER_ID, level, fmt, ap);
    va_end(ap);
}

int NTAPI PrintEx(int value)
{
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "ex: error %d\n", value);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "ex: info %s\n", "text");
    VPrefix("[apiprintf] ", DPFLTR_WARNING_LEVEL, "prefixed %x\n", value);
    return value;
}
