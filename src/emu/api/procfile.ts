/**
 * PsReferenceProcessFilePointer(Process, &FileObject) (ntifs.h; Microsoft Learn: "returns a
 * pointer to the file object of the executable image of the process", referenced — the caller
 * releases it with ObDereferenceObject): the FILE_OBJECT of the process's image on the volume
 * (\Device\HarddiskVolume1\Windows\System32\x.exe; DeviceObject the volume device, as for any file
 * on the volume). Each process has one image file object, made on first use and kept (the image
 * section holds it on Windows); every call adds a reference. The System process has no image
 * (no section): STATUS_UNSUCCESSFUL, as ReactOS's implementation (ps/query.c) returns; a process
 * that has exited: STATUS_PROCESS_IS_TERMINATING (its rundown protection is gone). A pointer that
 * is no process is a bug check report, as for the other Ps*Process routines.
 */
import type { ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, writePtr } from "./util.js";
import { objectManager, reference } from "./ob.js";
import { holderOf } from "../obmgr/index.js";
import { componentState } from "./state.js";
import { emu, STATUS_PROCESS_IS_TERMINATING } from "./procctl.js";
import { processLife } from "./processes.js";
import { volumeFileObject } from "./file-object.js";
import { volumePath } from "../volume/volume.js";

const imageFiles = componentState("process-image-files", () => new Map<number, bigint>());
const FILE_READ_DATA = 0x1, FILE_EXECUTE = 0x20;

export const apis: ApiDefinition[] = [
  nt("PsReferenceProcessFilePointer", 2, (ctx) => {
    const [process, out] = [ctx.arg(0), ctx.arg(1)];
    const p = emu(ctx, process);
    ctx.describe([hex(process), p?.name ?? "?", hex(out)]);
    if (!p) return ctx.fault("bugcheck", `PsReferenceProcessFilePointer(${hex(process)}): not a process object`, { code: "0x00000005" });
    if (processLife(ctx.kernel, p).exited) return STATUS_PROCESS_IS_TERMINATING;
    const path = p.imagePath ? volumePath(p.imagePath) : null;
    if (!path || !path.ok) return STATUS.UNSUCCESSFUL;
    const files = imageFiles(ctx.kernel);
    let fo = files.get(p.pid);
    if (fo === undefined || !objectManager(ctx.kernel).objects.has(fo)) {
      fo = volumeFileObject(ctx, { parts: path.parts, access: FILE_READ_DATA | FILE_EXECUTE, sync: false, position: 0n });
      if (fo === 0n) return STATUS.INSUFFICIENT_RESOURCES;
      files.set(p.pid, fo);
    }
    reference(ctx, fo, "PsReferenceProcessFilePointer", holderOf(ctx));
    writePtr(ctx.mem, out, fo);
    return STATUS.SUCCESS;
  }),
];
