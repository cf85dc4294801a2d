/*
 * The storport routines a miniport calls outside any adapter: StorPortDebugPrint (DbgPrint's
 * format), StorPortMoveMemory (overlapping moves allowed, as RtlMoveMemory), StorPortStallExecution
 * and StorPortQuerySystemTime (the stall moves the clock), I/O port access, register access
 * through a mapped address, the WPP trace set-up of storport.h's StorInitTracing
 * (TraceNotification / InitTracing: Result is STATUS_SUCCESS when storport traces, else it keeps
 * the STATUS_NOT_SUPPORTED the caller stored; also through storport's ScsiPortNotification name), and StorPortExtendedFunction (a pool allocation:
 * STOR_STATUS_SUCCESS with a block, or STOR_STATUS_NOT_IMPLEMENTED leaving the pointer alone).
 */
#include "stormini.h"

ULONG CheckHelpers(void)
{
    ULONG failures = 0;
    char buf[11] = "0123456789";
    volatile UCHAR reg8 = 0;
    volatile USHORT reg16 = 0;
    volatile ULONG reg32 = 0;
    STOR_INIT_TRACING_ARGS init = { NULL, (ULONG)STATUS_NOT_SUPPORTED };
    STOR_CLEANUP_TRACING_ARGS cleanup = { NULL };
    PVOID block = (PVOID)(ULONG_PTR)0x1234;
    ULONG status;
    LARGE_INTEGER before, after;

    StorPortDebugPrint(0, "stormini: debug print %s %d 0x%x\n", "works", 42, 0xbeef);

    StorPortMoveMemory(buf + 2, buf, 6);
    CHECK(RtlCompareMemory(buf, "0101234589", 10) == 10);
    StorPortMoveMemory(buf, buf + 4, 6);
    CHECK(RtlCompareMemory(buf, "2345894589", 10) == 10);

    /* The stall advances the system clock StorPortQuerySystemTime reads (100 ns units). */
    StorPortQuerySystemTime(&before);
    StorPortStallExecution(10);
    StorPortQuerySystemTime(&after);
    CHECK(before.QuadPart > 0 && after.QuadPart - before.QuadPart >= 100);

    /* I/O ports of the miniport's (legacy) range: what is written reads back from the latch. */
    StorPortWritePortUchar(NULL, (PUCHAR)(ULONG_PTR)0x300, 0x5A);
    CHECK(StorPortReadPortUchar(NULL, (PUCHAR)(ULONG_PTR)0x300) == 0x5A);
    StorPortWritePortUshort(NULL, (PUSHORT)(ULONG_PTR)0x302, 0x1234);
    CHECK(StorPortReadPortUshort(NULL, (PUSHORT)(ULONG_PTR)0x302) == 0x1234);
    StorPortWritePortUlong(NULL, (PULONG)(ULONG_PTR)0x304, 0xCAFEF00D);
    CHECK(StorPortReadPortUlong(NULL, (PULONG)(ULONG_PTR)0x304) == 0xCAFEF00D);

    StorPortWriteRegisterUchar(NULL, (PUCHAR)&reg8, 0xA5);
    StorPortWriteRegisterUshort(NULL, (PUSHORT)&reg16, 0xBEEF);
    StorPortWriteRegisterUlong(NULL, (PULONG)&reg32, 0x12345678);
    CHECK(reg8 == 0xA5 && reg16 == 0xBEEF && reg32 == 0x12345678);
    CHECK(StorPortReadRegisterUchar(NULL, (PUCHAR)&reg8) == 0xA5);
    CHECK(StorPortReadRegisterUshort(NULL, (PUSHORT)&reg16) == 0xBEEF);
    CHECK(StorPortReadRegisterUlong(NULL, (PULONG)&reg32) == 0x12345678);

    StorPortNotification(TraceNotification, NULL, InitTracing, &init);
    CHECK(init.Result == STATUS_SUCCESS || init.Result == (ULONG)STATUS_NOT_SUPPORTED);
    StorPortNotification(TraceNotification, NULL, CleanupTracing, &cleanup);
    /* The same notification through storport.sys's ScsiPortNotification export. */
    init.Result = (ULONG)STATUS_NOT_SUPPORTED;
    ScsiPortNotification(TraceNotification, NULL, InitTracing, &init);
    CHECK(init.Result == STATUS_SUCCESS || init.Result == (ULONG)STATUS_NOT_SUPPORTED);
    ScsiPortNotification(TraceNotification, NULL, CleanupTracing, &cleanup);
    /* StorPortRegistryRead is imported (an adapter routine: never called without an adapter). */
    if (failures == 0xFFFFFFFF) StorPortRegistryRead(NULL, NULL, 0, 0, NULL, NULL);

    status = StorPortExtendedFunction(ExtFunctionAllocatePool, NULL, (ULONG)64, (ULONG)'inMS', &block);
    CHECK(status == STOR_STATUS_SUCCESS || status == STOR_STATUS_NOT_IMPLEMENTED);
    if (status == STOR_STATUS_SUCCESS) {
        CHECK(block != NULL);
        StorPortExtendedFunction(ExtFunctionFreePool, NULL, block);
    } else {
        CHECK(block == (PVOID)(ULONG_PTR)0x1234);
    }
    return failures;
}
