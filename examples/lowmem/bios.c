/*
 * lowmem.sys - the BIOS data area, the EBDA, option ROMs and the system BIOS.
 * Offsets: Ralf Brown's MEMORY.LST (segment 40h) and the PCI Firmware Specification (ROM header).
 */
#include "lowmem.h"

ULONG LowMemBiosData(const UCHAR *Low)
{
    USHORT baseKiB = *(const USHORT *)(Low + 0x413);
    USHORT ebdaSeg = *(const USHORT *)(Low + 0x40E);
    USHORT equipment = *(const USHORT *)(Low + 0x410);
    ULONG ebda = (ULONG)ebdaSeg << 4;

    DbgPrint("lowmem: COM1 %03X, LPT1 %03X, equipment %04X, video mode %u, %u columns\n",
             *(const USHORT *)(Low + 0x400), *(const USHORT *)(Low + 0x408), equipment, Low[0x449], *(const USHORT *)(Low + 0x44A));
    DbgPrint("lowmem: base memory %u KiB, EBDA segment %04X\n", baseKiB, ebdaSeg);
    if (ebda == 0 || ebda >= 0xA0000) {
        DbgPrint("lowmem: no EBDA below 640 KiB\n");
        return 1;
    }
    DbgPrint("lowmem: EBDA %u KiB at 0x%X\n", Low[ebda], ebda);
    /* The BIOS takes the EBDA off the top of base memory (INT 15h AH=C1h; INT 12h). */
    if ((ULONG)baseKiB * 1024 != ebda || ebda + Low[ebda] * 1024u != 0xA0000) {
        DbgPrint("lowmem: EBDA does not end base memory\n");
        return 1;
    }
    return 0;
}

ULONG LowMemOptionRoms(const UCHAR *Low)
{
    ULONG at, bad = 0;

    for (at = 0xC0000; at < 0xE0000; at += 0x800) {
        ULONG size, i;
        UCHAR sum = 0;

        if (Low[at] != 0x55 || Low[at + 1] != 0xAA)
            continue;
        size = Low[at + 2] * 512u;
        if (size == 0 || at + size > 0xE0000) {
            DbgPrint("lowmem: option ROM at 0x%X has a bad length byte %u\n", at, Low[at + 2]);
            bad++;
            continue;
        }
        for (i = 0; i < size; i++)
            sum = (UCHAR)(sum + Low[at + i]);
        DbgPrint("lowmem: option ROM at 0x%X, %u KiB, checksum %s\n", at, size / 1024, sum == 0 ? "ok" : "bad");
        if (sum != 0)
            bad++;
        at += (size - 1) & ~0x7FFu; /* next 2 KiB boundary after the ROM */
    }
    return bad;
}

VOID LowMemSystemBios(const UCHAR *Low)
{
    CHAR date[9];

    RtlCopyMemory(date, Low + 0xFFFF5, 8);
    date[8] = 0;
    DbgPrint("lowmem: reset vector %02X, BIOS date %s, model %02X\n", Low[0xFFFF0], date, Low[0xFFFFE]);
}
