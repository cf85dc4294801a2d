/*
 * Shared by the examples/api-* drivers: each test export checks results in C and returns the
 * number of failed checks (0 = all passed); every failure is DbgPrint'ed with its line.
 */
#pragma once
#include <ntddk.h>

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            DbgPrint("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                         \
        }                                                                       \
    } while (0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The DriverEntry/DllInitialize/DllUnload trio every export driver example has. */
#define EXPORT_DRIVER_BOILERPLATE(name)                                         \
    DRIVER_INITIALIZE DriverEntry;                                              \
    NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) \
    {                                                                           \
        UNREFERENCED_PARAMETER(DriverObject);                                   \
        UNREFERENCED_PARAMETER(RegistryPath);                                   \
        return STATUS_SUCCESS;                                                  \
    }                                                                           \
    NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }
