/*
 * Triage dump data arrays: Surface drivers register the blocks they want in a triage dump from
 * DriverEntry (KeInitializeTriageDumpDataArray + KeAddTriageDumpDataBlock, then a bug-check
 * reason callback hands the array over).
 */
#include "qafresh7.h"

#define QA_ARRAY_BYTES (FIELD_OFFSET(QA_KTRIAGE_DUMP_DATA_ARRAY, Blocks) + 2 * sizeof(QA_KADDRESS_RANGE))

__declspec(dllexport) ULONG TestTriageDumpData(void)
{
    ULONG failures = 0;
    static UCHAR state[64], more[16];
    QA_KTRIAGE_DUMP_DATA_ARRAY *a = ExAllocatePoolWithTag(NonPagedPoolNx, QA_ARRAY_BYTES, 'ai7Q');
    QA_KTRIAGE_DUMP_DATA_ARRAY *never = ExAllocatePoolWithTag(NonPagedPoolNx, QA_ARRAY_BYTES, 'ai7Q');
    CHECK(a != NULL && never != NULL);
    if (a == NULL || never == NULL) return failures;
    RtlFillMemory(a, QA_ARRAY_BYTES, 0xCC);
    RtlZeroMemory(never, QA_ARRAY_BYTES);
    /* A size below the header is STATUS_INVALID_PARAMETER. */
    CHECK(KeInitializeTriageDumpDataArray(a, FIELD_OFFSET(QA_KTRIAGE_DUMP_DATA_ARRAY, Blocks) - 1) == STATUS_INVALID_PARAMETER);
    CHECK(KeInitializeTriageDumpDataArray(a, QA_ARRAY_BYTES) == STATUS_SUCCESS);
    CHECK(a->NumBlocksUsed == 0 && a->NumBlocksTotal == 2 && a->DataSize == 0);
    CHECK(a->List.Flink == &a->List && a->List.Blink == &a->List);
    CHECK(KeAddTriageDumpDataBlock(a, state, sizeof(state)) == STATUS_SUCCESS);
    CHECK(KeAddTriageDumpDataBlock(a, NULL, 8) == STATUS_INVALID_PARAMETER);
    CHECK(KeAddTriageDumpDataBlock(a, more, 0) == STATUS_INVALID_PARAMETER);
    CHECK(KeAddTriageDumpDataBlock(a, more, sizeof(more)) == STATUS_SUCCESS);
    CHECK(a->NumBlocksUsed == 2 && a->DataSize == sizeof(state) + sizeof(more));
    CHECK(a->Blocks[0].Address == state && a->Blocks[0].Size == sizeof(state));
    CHECK(a->Blocks[1].Address == more && a->Blocks[1].Size == sizeof(more));
    /* Full: no third block. */
    CHECK(KeAddTriageDumpDataBlock(a, state, 4) == STATUS_BUFFER_TOO_SMALL);
    CHECK(a->NumBlocksUsed == 2);
    /* An array never initialised is refused. */
    CHECK(KeAddTriageDumpDataBlock(never, state, 4) == STATUS_INVALID_PARAMETER);
    ExFreePoolWithTag(a, 'ai7Q');
    ExFreePoolWithTag(never, 'ai7Q');
    return failures;
}
