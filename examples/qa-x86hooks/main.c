/*
 * qax86hooks.sys — lessons from rootkit-era x86 drivers (docs/qa.md, helper "x86hooks"). Each
 * Test* export returns the number of failed checks (apitest.h's CHECK prints each failure).
 *
 * CR0.WP: rootkit.com's SSDT hooks (kzwenum, JiurlPortHide) bracket their store with
 *     mov eax, cr0 / and eax, not 10000h / mov cr0, eax   ...   or eax, 10000h / mov cr0, eax
 * With WP (bit 16) clear, supervisor-mode stores ignore read-only pages (Intel SDM vol. 3A, 4.6.1);
 * 32-bit Windows has no PatchGuard, so this works there. A store into read-only memory with WP
 * set is ATTEMPTED_WRITE_TO_READONLY_MEMORY (0xBE) on Windows.
 */
#include <ntddk.h>
#include "../include/apitest.h"

#define CR0_WP 0x10000

/* Read-only data of our own image (.rdata): the store target. */
static const volatile ULONG ReadOnlyWord = 0x11111111;
static const volatile LONG ReadOnlyLong = 5;

static ULONG ReadCr0(void)
{
    ULONG v;
    __asm {
        mov eax, cr0
        mov v, eax
    }
    return v;
}

static void WriteCr0(ULONG v)
{
    __asm {
        mov eax, v
        mov cr0, eax
    }
}

/* Clear WP, store into .rdata with a plain mov and with InterlockedExchange (the usual hook
   store), set WP again: both stores land, CR0 reads back what was written. */
__declspec(dllexport) ULONG TestWpClearStores(void)
{
    ULONG failures = 0;
    ULONG cr0 = ReadCr0();
    LONG old;
    CHECK((cr0 & CR0_WP) != 0);
    WriteCr0(cr0 & ~CR0_WP);
    CHECK(ReadCr0() == (cr0 & ~CR0_WP));
    *(volatile ULONG *)&ReadOnlyWord = 0x22222222;
    old = InterlockedExchange((volatile LONG *)&ReadOnlyLong, 7);
    WriteCr0(cr0);
    CHECK(ReadCr0() == cr0);
    CHECK(ReadOnlyWord == 0x22222222);
    CHECK(old == 5);
    CHECK(ReadOnlyLong == 7);
    return failures;
}

/* With WP set the same store stops the run (0xBE on Windows): the test expects that fault. */
__declspec(dllexport) ULONG TestStoreWithWpSet(void)
{
    *(volatile ULONG *)&ReadOnlyWord = 0x33333333;
    return 1;
}

/* A CR0 change beyond WP (CD, bit 30: caching off) is not a driver's to make: dropped, an error. */
__declspec(dllexport) ULONG TestCr0OtherBits(void)
{
    ULONG failures = 0;
    ULONG cr0 = ReadCr0();
    WriteCr0(cr0 | 0x40000000);
    CHECK(ReadCr0() == cr0);
    return failures;
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}
