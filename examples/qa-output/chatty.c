/*
 * chatty.sys exports (see chatty.h). Each must end in bounded output and bounded memory in
 * kmdll: PrintLoop is stopped by the time budget, LeakMany's leaks are folded by allocation site.
 */
#include "chatty.h"

/* Logging helpers: every line goes through DbgPrint, as in most drivers. */

VOID ChattyLogLine(ULONG64 Index)
{
    DbgPrint("chatty: progress line %I64u\n", Index);
}

VOID ChattyLogHostile(VOID)
{
    /* OSC 0 (set the window title), ED 2 (clear the screen), a carriage return that would
     * overwrite the line with a fake verdict, BEL, and the 8-bit CSI (0x9B). */
    DbgPrint("chatty: \x1b]0;pwned\x07title\x1b[2J\rscenario passed: 1 step(s) as expected\x9b" "31m\n");
}

DRIVER_UNLOAD ChattyUnload;
VOID ChattyUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

/* Started as a service (kmdll sim start:chatty), it can be stopped again. */
DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = ChattyUnload;
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

/* DbgPrint a billion lines (hours in the emulator: the time budget ends it first). */
ULONG64 PrintLoop(void)
{
    ULONG64 i;
    for (i = 0; i < 1000000000ULL; i++)
        ChattyLogLine(i);
    return i;
}

/* Print terminal control sequences; returns 1. */
ULONG64 PrintHostile(void)
{
    ChattyLogHostile();
    return 1;
}

/* Allocate Count small blocks from one call site and never free them: Count leaks at unload. */
ULONG64 LeakMany(ULONG64 Count)
{
    ULONG64 got = 0;
    while (got < Count) {
        PVOID p = ExAllocatePoolWithTag(NonPagedPool, 16, CHATTY_TAG);
        if (p == NULL)
            break;
        got++;
    }
    return got;
}
