/* IA32_LSTAR → KiSystemCall64 → the lea pair → the descriptors; decoding compact entries. */
#include "lstar.h"
#include <intrin.h>

/* Scanners search this far from LSTAR (KiSystemServiceRepeat is within it on Windows 10). */
#define SCAN_LIMIT 0x500

static PVOID RipTarget(PUCHAR insn)
{
    return insn + 7 + *(PLONG)(insn + 3);
}

BOOLEAN FindServiceTables(PSERVICE_TABLES Tables)
{
    PUCHAR p;
    ULONG i;
    RtlZeroMemory(Tables, sizeof(*Tables));
    Tables->KiSystemCall64 = (PUCHAR)__readmsr(IA32_LSTAR);
    if (Tables->KiSystemCall64 == NULL) return FALSE;
    for (i = 0; i < SCAN_LIMIT; i++) {
        p = Tables->KiSystemCall64 + i;
        if (p[0] == 0x4C && p[1] == 0x8D && p[2] == 0x15 && p[7] == 0x4C && p[8] == 0x8D && p[9] == 0x1D) {
            Tables->LeaR10 = p;
            Tables->Table = (PSERVICE_DESCRIPTOR_TABLE)RipTarget(p);
            Tables->Shadow = (PSERVICE_DESCRIPTOR_TABLE)RipTarget(p + 7);
            return TRUE;
        }
    }
    return FALSE;
}

PVOID ServiceRoutine(PSERVICE_DESCRIPTOR_TABLE Table, ULONG Number)
{
    if (Number >= Table->NumberOfServices) return NULL;
    return (PUCHAR)Table->ServiceTableBase + (Table->ServiceTableBase[Number] >> 4);
}

ULONG StackArguments(PSERVICE_DESCRIPTOR_TABLE Table, ULONG Number)
{
    return (ULONG)(Table->ServiceTableBase[Number] & 0xF);
}
