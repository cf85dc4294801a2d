/*
 * bad-tls.sys — uses a thread-local variable. The compiler emits TLS accesses through
 * _tls_index and the linker writes a TLS directory (from _tls_used), but the kernel never sets
 * TLS up for a driver: the variable is not per-thread.
 */
#include <ntddk.h>

__declspec(thread) int CallsOnThisThread;

/* Normally supplied by the user-mode CRT (tlssup.obj): the TLS index and the TLS directory. */
ULONG _tls_index;
#pragma section(".tls$AAA", read, write)
#pragma section(".tls$ZZZ", read, write)
__declspec(allocate(".tls$AAA")) char _tls_start = 0;
__declspec(allocate(".tls$ZZZ")) char _tls_end = 0;
typedef struct {
    ULONG_PTR StartAddressOfRawData, EndAddressOfRawData, AddressOfIndex, AddressOfCallBacks;
    ULONG SizeOfZeroFill, Characteristics;
} TLS_DIRECTORY64;
#ifdef _M_IX86
/* x86 code reaches the thread's TLS array through fs:[__tls_array], an absolute symbol whose
 * value is the TEB offset of ThreadLocalStoragePointer (0x2C in the x86 TEB; the CRT's tlssup
 * defines it the same way). */
__asm__(".globl __tls_array\n.set __tls_array, 0x2C");
#endif
const TLS_DIRECTORY64 _tls_used = { (ULONG_PTR)&_tls_start, (ULONG_PTR)&_tls_end, (ULONG_PTR)&_tls_index, 0, 0, 0 };

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    CallsOnThisThread++;
    DbgPrint("bad-tls: %d\n", CallsOnThisThread);
    return STATUS_SUCCESS;
}
