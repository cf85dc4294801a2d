/**
 * The default calling convention of x86 C code in a WDK build (pure). The WDK's i386mk.inc
 * (WDK 6001, bin\i386mk.inc, as published in ladislav-zezula/WDK_6001) sets
 *
 *     386_STDCALL == 0  → MSC_CALL_TYPE=/Gd  (cdecl)
 *     386_STDCALL == 2  → MSC_CALL_TYPE=/Gr  (fastcall)
 *     otherwise         → MSC_CALL_TYPE=/Gz and MSC_CALL_DEFINE=/DSTD_CALL  (stdcall)
 *
 * and compiles with `$(CDEFINES) … $(MSC_WARNING_LEVEL) $(MSC_CALL_TYPE) … $(MSC_OPTIMIZATION)
 * $(USER_C_FLAGS)`: a /Gd in USER_C_FLAGS (cl takes the last of /Gd /Gz /Gr) overrides the
 * default, one in C_DEFINES does not. Microsoft Learn, "/Gd, /Gr, /Gv, /Gz (Calling Convention)":
 * /Gz gives every function not marked __cdecl/__fastcall/__vectorcall (and not variadic) __stdcall,
 * decorated `_name@N`; x86 only. amd64mk.inc sets no MSC_CALL_TYPE. docs/build.md, "x86 calling
 * convention".
 */

export type X86Call = "stdcall" | "cdecl";

/** clang options for a default calling convention (clang-cl's /Gz and /Gd: the cc1 option, last one wins). */
export function defaultCallArgs(call: X86Call): string[] {
  return ["-Xclang", `-fdefault-calling-conv=${call}`];
}

export interface X86CallDefault {
  call: X86Call;
  /** Compiler options, placed where i386mk.inc puts MSC_CALL_TYPE (before MSC_OPTIMIZATION and USER_C_FLAGS). */
  args: string[];
  /** MSC_CALL_DEFINE: /DSTD_CALL with /Gz. */
  defines: string[];
  /** A value kmdll cannot honour (386_STDCALL=2: /Gr). */
  warning?: string;
}

/** The default from the value of 386_STDCALL (undefined: not set). */
export function x86CallDefault(stdcallVar: string | undefined): X86CallDefault {
  const v = stdcallVar?.trim();
  if (v === "0") return { call: "cdecl", args: defaultCallArgs("cdecl"), defines: [] };
  if (v === "2") {
    return {
      call: "cdecl", args: defaultCallArgs("cdecl"), defines: [],
      warning: "386_STDCALL=2 selects /Gr (fastcall by default), which clang's GNU driver does not offer; compiled as cdecl (/Gd): mark the routines __fastcall",
    };
  }
  return { call: "stdcall", args: defaultCallArgs("stdcall"), defines: ["-DSTD_CALL"] };
}
