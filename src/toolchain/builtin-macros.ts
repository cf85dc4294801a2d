/** Macros the build defines (kept as `$(NAME)` by the parser, resolved per arch by the loader). */
export const BUILTIN_MACROS: ReadonlySet<string> = new Set([
  "O", "OBJ_PATH", "DDK_LIB_PATH", "SDK_LIB_PATH", "CRT_LIB_PATH", "DDK_INC_PATH", "SDK_INC_PATH", "CRT_INC_PATH",
  "WDM_INC_PATH", "IFSKIT_INC_PATH", "TARGET_DIRECTORY", "_BUILDARCH", "BASEDIR", "PROJECT_ROOT", "TARGETNAME",
]);

