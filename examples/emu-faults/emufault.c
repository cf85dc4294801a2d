/*
 * emufault.sys — an export driver that misbehaves on request, one export per fault kind the
 * emulator reports: wild read/write/jump, an unimplemented kernel API, KeBugCheckEx, an endless
 * loop, stack overflow, division by zero, double free, foreign free, a pool leak, and use of the
 * DllInitialize RegistryPath after DllInitialize returned.
 */
#include <ntddk.h>

static PUNICODE_STRING g_registryPath;
static volatile LONG64 g_counter;

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

/* Keeps the pointer (a bug: the kernel frees the string when DllInitialize returns). */
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    g_registryPath = RegistryPath;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

LONG64 NTAPI WildRead(LONG64 address)
{
    return *(volatile LONG64 *)address;
}

void NTAPI WildWrite(LONG64 address)
{
    *(volatile LONG64 *)address = 0x1234;
}

LONG64 NTAPI WildJump(LONG64 address)
{
    return ((LONG64(*)(void))address)() + 1;
}

/* A real ntoskrnl export that kmdll does not implement (extended attributes are not modelled).
   If kmdll ever implements ZwSetEaFile, pick another export that it does not. Declared here as
   ntifs.h declares it (ntddk.h does not). */
NTSYSAPI NTSTATUS NTAPI ZwSetEaFile(HANDLE FileHandle, PIO_STATUS_BLOCK IoStatusBlock, PVOID Buffer, ULONG Length);

LONG64 NTAPI CallUnimplemented(void)
{
    IO_STATUS_BLOCK iosb;
    return (LONG64)ZwSetEaFile(NULL, &iosb, NULL, 0) + 1;
}

void NTAPI BugCheck(void)
{
    KeBugCheckEx(0xE2, 1, 2, 3, 4); /* MANUALLY_INITIATED_CRASH */
}

LONG64 NTAPI Spin(void)
{
    for (;;) g_counter++;
}

/* A loop that never ends but calls the kernel on each turn. */
LONG64 NTAPI SpinCalling(void)
{
    for (;;) {
        PVOID p = ExAllocatePoolWithTag(NonPagedPool, 16, 'nipS');
        if (p) ExFreePoolWithTag(p, 'nipS');
        g_counter++;
    }
}

/* Each level reads its caller's frame, so no frame can be reused (no tail call, no loop). */
static __attribute__((noinline)) LONG64 recurse(LONG64 n, volatile char *parent)
{
    volatile char frame[1024];
    LONG64 r;
    frame[0] = (char)(parent[0] + 1);
    frame[1023] = frame[0];
    if (n <= 0) return frame[0];
    r = recurse(n - 1, frame);
    return r + frame[1023];
}

LONG64 NTAPI StackOverflow(LONG64 depth)
{
    volatile char root[1] = {0};
    return recurse(depth, root);
}

/* A wild read at the bottom of `n` nested frames: the backtrace must unwind all of them. */
static __attribute__((noinline)) LONG64 deep(LONG64 n, volatile LONG64 *parent)
{
    volatile LONG64 local = *parent + 1;
    if (n <= 0) return *(volatile LONG64 *)0x10 + local;
    return deep(n - 1, &local) + local;
}

LONG64 NTAPI DeepFault(LONG64 n)
{
    volatile LONG64 root = 0;
    return deep(n, &root);
}

/* CPU events that end a run without a memory fault. */
void NTAPI Halt(void)
{
    __asm__ volatile("hlt");
}

void NTAPI Breakpoint(void)
{
    __asm__ volatile("int3");
}

void NTAPI FastFail(void)
{
    __asm__ volatile("int $0x29" : : "c"(7)); /* __fastfail(FAST_FAIL_FATAL_APP_EXIT) */
}

LONG64 NTAPI Divide(LONG64 a, LONG64 b)
{
    volatile LONG64 d = b;
    return a / d;
}

LONG64 NTAPI DoubleFree(void)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPoolNx, 32, 'lbuD');
    if (!p) return -1;
    ExFreePoolWithTag(p, 'lbuD');
    ExFreePoolWithTag(p, 'lbuD');
    return 0;
}

LONG64 NTAPI ForeignFree(void)
{
    volatile LONG64 local = 0;
    ExFreePoolWithTag((PVOID)&local, 'lacL');
    return local;
}

LONG64 NTAPI TagMismatch(void)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'AgaT');
    if (!p) return -1;
    ExFreePoolWithTag(p, 'BgaT');
    return 0;
}

LONG64 NTAPI LeakPool(LONG64 size)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPoolNx, (SIZE_T)size, 'kaeL');
    return p != NULL;
}

/* Reads the saved RegistryPath: use after free once DllInitialize has returned. */
LONG64 NTAPI ReadSavedRegistryPath(void)
{
    return g_registryPath->Buffer[0];
}
