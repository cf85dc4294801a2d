import type { Command } from "commander";
import { relative } from "node:path";
import type { CliContext } from "../context.js";
import { toJson } from "../context.js";
import { newProject, type NewResult } from "../../toolchain/new-project.js";

const rel = (p: string) => relative(process.cwd(), p) || ".";

function report(ctx: CliContext, r: NewResult, json: boolean, workspaceArg: string | undefined): void {
  if (json) {
    ctx.out(toJson({ ...r, project: rel(r.project), files: r.files.map(rel), dirsFile: rel(r.dirsFile) }));
    return;
  }
  ctx.out(`created ${r.kind} ${r.name}: ${r.files.map(rel).join(" ")}\n`);
  if (r.imports) ctx.out(`${r.name} calls ${r.imports.routine} from ${r.imports.name}.sys (TARGETLIBS=$(O)\\${r.imports.name}.lib)\n`);
  ctx.out(`build order in ${rel(r.dirsFile)}: ${r.buildOrder.join(" ")}\n`);
  ctx.out(`next: kmdll build ${workspaceArg ?? "."} --arch x64 --install root\n`);
}

/** `kmdll new export-driver NAME [DIR]`, `kmdll new driver NAME [--imports X] [DIR]`, `kmdll new kmdf-driver NAME [DIR]`. */
export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("new")
    .description("create an export driver or driver project from a template (in DIR/NAME, listed in DIR/dirs)");
  cmd
    .command("export-driver")
    .description("an export driver: DllInitialize, DllUnload, one exported routine, a .def with PRIVATE entry points")
    .argument("<name>", "TARGETNAME (a C identifier)")
    .argument("[dir]", "workspace folder; the project goes to DIR/NAME", ".")
    .option("--json", "print what was created as JSON")
    .action((name: string, dir: string, opts: { json?: boolean }) => {
      report(ctx, newProject("export-driver", name, { workspace: dir }), Boolean(opts.json), dir === "." ? undefined : dir);
    });
  cmd
    .command("kmdf-driver")
    .description("a KMDF function driver (PnP): EvtDriverDeviceAdd, PnP/power callbacks, a device interface, a default queue, a device file for kmdll sim --devices")
    .argument("<name>", "TARGETNAME (a C identifier)")
    .argument("[dir]", "workspace folder; the project goes to DIR/NAME", ".")
    .option("--json", "print what was created as JSON")
    .action((name: string, dir: string, opts: { json?: boolean }) => {
      report(ctx, newProject("kmdf-driver", name, { workspace: dir }), Boolean(opts.json), dir === "." ? undefined : dir);
    });
  cmd
    .command("driver")
    .description("a standard driver (DriverEntry + DriverUnload), optionally calling a routine of an export driver")
    .argument("<name>", "TARGETNAME (a C identifier)")
    .argument("[dir]", "workspace folder; the project goes to DIR/NAME", ".")
    .option("--imports <exportdriver>", "link against this export driver of the workspace and call one of its routines")
    .option("--json", "print what was created as JSON")
    .action((name: string, dir: string, opts: { json?: boolean; imports?: string }) => {
      report(ctx, newProject("driver", name, { workspace: dir, ...(opts.imports !== undefined ? { imports: opts.imports } : {}) }), Boolean(opts.json), dir === "." ? undefined : dir);
    });
}
