/*
 * apifiles.sys — shared declarations and helpers.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define FILES_TAG 'lfPA' /* "APfl" */

NTSTATUS OpenPath(PCWSTR Path, ACCESS_MASK Access, ULONG Disposition, ULONG Options, PHANDLE Handle, PULONG_PTR Information);
