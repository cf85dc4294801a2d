/*
 * bench.sys — the per-arch emulator benchmark's driver (bench/arch.ts): a register-only integer
 * loop and a pool allocate/free loop, built for x64 and x86 from the same source. 64-bit
 * arithmetic without division, so the x86 build needs no compiler helper routine.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
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

/* n rounds of a 32-bit xorshift and multiply-add chain; returns the final state. */
ULONG NTAPI BenchSpin(ULONG n, ULONG seed)
{
    ULONG x = seed | 1, acc = 0, i;
    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        acc = acc * 33 + x;
    }
    return acc;
}

/* n ExAllocatePoolWithTag + ExFreePoolWithTag pairs of `size` bytes; returns how many succeeded. */
ULONG NTAPI BenchPool(ULONG n, ULONG size)
{
    ULONG i, ok = 0;
    for (i = 0; i < n; i++) {
        PVOID p = ExAllocatePoolWithTag(NonPagedPool, size, 'hcnB');
        if (p != NULL) {
            ((volatile UCHAR *)p)[0] = (UCHAR)i;
            ExFreePoolWithTag(p, 'hcnB');
            ok++;
        }
    }
    return ok;
}
