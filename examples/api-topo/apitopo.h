/* apitopo.sys: shared between main.c (processor counts, KeQueryLogicalProcessorRelationship) and cpu.c (CPUID). */
#pragma once
#include "../include/apitest.h"

/* Query `rel` for `pn` (NULL: all processors) into a pool buffer of the size the routine asks for;
   NULL (and *st the status) when a step fails. The caller frees it with ExFreePoolWithTag(.., 'opTA'). */
PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX TopoQuery(PPROCESSOR_NUMBER pn, LOGICAL_PROCESSOR_RELATIONSHIP rel, ULONG *len, NTSTATUS *st);
#define TOPO_TAG 'opTA'
