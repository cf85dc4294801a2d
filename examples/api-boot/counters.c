/*
 * apiboot.sys — Performance Counters for Windows: PcwRegister with an unknown version and an
 * empty name (STATUS_INVALID_PARAMETER_2), a counterset with two counters, an instance over a
 * data block, then PcwCloseInstance and PcwUnregister.
 */
#include "apiboot.h"

#ifndef STATUS_INVALID_PARAMETER_2
#define STATUS_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0L)
#endif

typedef struct _BOOT_COUNTERS { ULONG Opens; ULONGLONG Bytes; } BOOT_COUNTERS;

static BOOT_COUNTERS g_Values = { 3, 4096 };
static PCW_COUNTER_DESCRIPTOR g_Descriptors[2] = {
    { 0, 0, FIELD_OFFSET(BOOT_COUNTERS, Opens), sizeof(ULONG) },
    { 1, 0, FIELD_OFFSET(BOOT_COUNTERS, Bytes), sizeof(ULONGLONG) },
};
static ULONG g_PcwCalls;

static NTSTATUS NTAPI Provider(ULONG Type, PVOID Info, PVOID Context)
{
    UNREFERENCED_PARAMETER(Type);
    UNREFERENCED_PARAMETER(Info);
    UNREFERENCED_PARAMETER(Context);
    g_PcwCalls++;
    return STATUS_SUCCESS;
}

VOID TestCounters(VOID)
{
    PCW_REGISTRATION_INFORMATION info;
    PPCW_REGISTRATION reg = NULL;
    PPCW_INSTANCE inst = NULL;
    UNICODE_STRING name, empty, instance;
    PCW_DATA data;

    RtlInitUnicodeString(&name, L"ApiBoot Counters");
    RtlInitUnicodeString(&empty, L"");
    RtlInitUnicodeString(&instance, L"_Total");
    RtlZeroMemory(&info, sizeof(info));
    info.Version = 0x0300;
    info.Name = &name;
    info.CounterCount = 2;
    info.Counters = g_Descriptors;
    info.Callback = Provider;
    Check(PcwRegister(&reg, &info) == STATUS_INVALID_PARAMETER_2, "PcwRegister(unknown version)");
    info.Version = PCW_VERSION_1;
    info.Name = &empty;
    Check(PcwRegister(&reg, &info) == STATUS_INVALID_PARAMETER_2, "PcwRegister(empty name)");
    info.Name = &name;
    Check(PcwRegister(&reg, &info) == STATUS_SUCCESS && reg != NULL, "PcwRegister");
    if (reg == NULL)
        return;
    data.Data = &g_Values;
    data.Size = sizeof(g_Values);
    Check(PcwCreateInstance(&inst, reg, &instance, 1, &data) == STATUS_SUCCESS && inst != NULL, "PcwCreateInstance");
    if (inst != NULL)
        PcwCloseInstance(inst);
    PcwUnregister(reg);
    Check(g_PcwCalls == 0, "no consumer: the provider callback is never called");
}
