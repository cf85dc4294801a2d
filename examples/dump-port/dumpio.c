/*
 * dumpio.c - the routines the dump stack calls while it writes a crash dump (never reached when
 * the image is started as a service).
 */
#include "dumpport.h"

BOOLEAN DumpOpen(LARGE_INTEGER PartitionOffset)
{
    return PartitionOffset.QuadPart >= 0 && DumpBusType != InterfaceTypeUndefined;
}

NTSTATUS DumpWrite(PLARGE_INTEGER DiskByteOffset, PMDL Mdl)
{
    if (DiskByteOffset == NULL || Mdl == NULL)
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

VOID DumpFinish(VOID)
{
}
