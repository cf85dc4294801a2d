/*
 * entry.c - DriverEntry of a crash-dump port driver: no DriverObject (crashdmp.sys passes NULL),
 * the second argument is the dump stack's initialization context.
 */
#include "dumpport.h"

/* Read by the dump routines (dumpio.c) when a dump is written. */
volatile ULONG DumpBusNumber;
volatile INTERFACE_TYPE DumpBusType;

DRIVER_INITIALIZE DriverEntry;

NTSTATUS DriverEntry(PDRIVER_OBJECT Reserved, PUNICODE_STRING Argument)
{
    PDUMP_INITIALIZATION_CONTEXT context = (PDUMP_INITIALIZATION_CONTEXT)Argument;
    PDUMP_PORT_CONFIGURATION config;

    UNREFERENCED_PARAMETER(Reserved);
    context->OpenRoutine = DumpOpen;
    context->WriteRoutine = DumpWrite;
    context->FinishRoutine = DumpFinish;
    config = context->PortConfiguration;
    DumpBusNumber = config->SystemIoBusNumber;
    DumpBusType = config->AdapterInterfaceType;
    return STATUS_SUCCESS;
}
