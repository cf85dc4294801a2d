/*
 * chatty.sys — QA for kmdll's output pipeline: an export driver that prints without end, prints
 * terminal control sequences, and leaks pool from one allocation site many times.
 * (One source file: two C files including ntddk.h failed to link for x64, see docs/qa.md.)
 */
#ifndef CHATTY_H
#define CHATTY_H

#include <ntddk.h>

#define CHATTY_TAG 'tahC'

/* Print one numbered progress line through DbgPrint. */
VOID ChattyLogLine(ULONG64 Index);

/* Print a line holding the control sequences a hostile driver could send to a terminal. */
VOID ChattyLogHostile(VOID);

#endif
