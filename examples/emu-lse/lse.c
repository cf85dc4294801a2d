/*
 * emulse.sys — ARMv8.1 LSE atomics in a driver (ARM64 only). TestLseAtomics returns the number of
 * failed checks (apitest.h's CHECK prints each failure). The __atomic builtins with
 * -march=armv8.1-a compile to SWPAL (exchange), CASAL (compare-exchange) and LDADDAL (fetch-add),
 * the instructions MSVC emits for _InterlockedExchange64 / _InterlockedCompareExchange64 /
 * _InterlockedExchangeAdd64 on ARMv8.1 targets.
 */
#include <ntddk.h>
#include "../include/apitest.h"

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

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

static volatile LONG64 Shared = 5;

__declspec(dllexport) ULONG TestLseAtomics(void)
{
    ULONG failures = 0;
    LONG64 expected = 7, old;

    old = __atomic_exchange_n(&Shared, 7, __ATOMIC_SEQ_CST);            /* SWPAL */
    CHECK(old == 5 && Shared == 7);
    CHECK(__atomic_compare_exchange_n(&Shared, &expected, 9, FALSE, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)); /* CASAL, matches */
    CHECK(Shared == 9);
    expected = 1;
    CHECK(!__atomic_compare_exchange_n(&Shared, &expected, 3, FALSE, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)); /* no match */
    CHECK(expected == 9 && Shared == 9);
    old = __atomic_fetch_add(&Shared, 3, __ATOMIC_SEQ_CST);            /* LDADDAL */
    CHECK(old == 9 && Shared == 12);
    return failures;
}
