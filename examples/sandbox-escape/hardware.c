/*
 * hardware.c — the machine model: physical memory (MmMapIoSpace, \Device\PhysicalMemory), I/O
 * ports, PCI configuration space, MSRs. All of it is emulated: the host's /dev/mem, /dev/port
 * and /sys/bus/pci must never be touched (the test checks with strace).
 */
#include "sbxescape.h"
#include <intrin.h>

ULONG TouchHardware(void)
{
    PHYSICAL_ADDRESS pa;
    PVOID va;
    volatile ULONG sink = 0;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\PhysicalMemory");
    OBJECT_ATTRIBUTES oa;
    HANDLE section;
    PVOID view = NULL;
    SIZE_T size = 0x1000;
    LARGE_INTEGER offset;
    ULONG pci = 0;

    pa.QuadPart = 0xF0000;
    va = MmMapIoSpace(pa, 0x1000, MmNonCached);
    if (va != NULL) {
        sink += *(volatile ULONG *)va;
        *(volatile ULONG *)va = 0x12345678;
        MmUnmapIoSpace(va, 0x1000);
    }
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    if (NT_SUCCESS(ZwOpenSection(&section, SECTION_ALL_ACCESS, &oa))) {
        offset.QuadPart = 0x1000;
        if (NT_SUCCESS(ZwMapViewOfSection(section, NtCurrentProcess(), &view, 0, size, &offset, &size, ViewUnmap, 0, PAGE_READWRITE))) {
            sink += *(volatile ULONG *)view;
            ZwUnmapViewOfSection(NtCurrentProcess(), view);
        }
        ZwClose(section);
    }
    sink += __inbyte(0x80);
    __outbyte(0x80, 0x55);
    sink += READ_PORT_ULONG((PULONG)(ULONG_PTR)0xCF8);
    WRITE_PORT_UCHAR((PUCHAR)(ULONG_PTR)0x70, 0x0A);
    HalGetBusDataByOffset(PCIConfiguration, 0, 0, &pci, 0, sizeof(pci));
    HalSetBusDataByOffset(PCIConfiguration, 0, 0, &pci, 0x40, sizeof(pci));
    sink += (ULONG)__readmsr(0x1B);
    return sink & 0;
}
