/**
 * `kmdll new` and `kmdll build --install` write only inside their target folders, observed from
 * the outside with strace(1) (Debian's strace; scripts/setup.sh installs it): every system call
 * that creates, changes or removes a file is recorded, its path resolved (dirfd, cwd, and the
 * symbolic links still on disk), and must land in the workspace, the install root or TMPDIR.
 * Hostile set-ups (a System32/drivers folder or an installed driver that is a symbolic link out
 * of the root; a project folder or dirs file linking out of the workspace) must be refused with
 * no write attempt outside.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync, } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { repoPath } from "./helpers.js";

let dir = "";
before(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "kmdll-strace-")));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const WRITE_CALLS = new Set(["open", "openat", "openat2", "creat", "mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir", "link", "linkat", "symlink", "symlinkat", "truncate", "chmod", "fchmodat", "chown", "lchown", "fchownat", "utimensat", "mknod", "mknodat", "setxattr", "lsetxattr", "removexattr", "lremovexattr"]);

/** Where a path lands now: the real path of its deepest resolvable ancestor (links followed), plus the rest. */
function realLocation(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch {
      /* missing, or a dangling link: go up */
    }
    const up = dirname(cur);
    if (up === cur) return p;
    rest.push(basename(cur));
    cur = up;
  }
}

interface Write {
  pid: string;
  call: string;
  path: string;
  line: string;
}

/**
 * Parse `strace -f -y` output into the paths of writing calls. With -y, dirfds print as
 * `AT_FDCWD</cwd>` / `3</dir>`; plain-path calls (mkdir, rename, ...) are resolved against the
 * process's current folder, tracked through chdir and inherited over clone/fork/vfork.
 */
function writesOf(trace: string, startCwd: string): Write[] {
  const cwd = new Map<string, string>();
  const out: Write[] = [];
  const cwdOf = (pid: string) => cwd.get(pid) ?? startCwd;
  for (const raw of trace.split("\n")) {
    const m = /^(\d+)\s+(?:<\.\.\. )?([a-z0-9_]+)\((.*)$/.exec(raw);
    if (!m) continue;
    const [, pid, call, rest] = m as unknown as [string, string, string, string];
    if (raw.includes(" resumed>")) continue; // the arguments were on the <unfinished ...> line
    const ret = /\)\s+=\s+(-?\d+)/.exec(rest);
    if ((call === "clone" || call === "clone3" || call === "fork" || call === "vfork") && ret && Number(ret[1]) > 0) {
      cwd.set(ret[1]!, cwdOf(pid));
      continue;
    }
    if (call === "chdir" && ret && ret[1] === "0") {
      const p = /^"([^"]*)"/.exec(rest)?.[1];
      if (p) cwd.set(pid, resolve(cwdOf(pid), p));
      continue;
    }
    if (call === "fchdir") {
      const d = /^\d+<([^>]*)>/.exec(rest)?.[1];
      if (d) cwd.set(pid, d);
      continue;
    }
    if (!WRITE_CALLS.has(call)) continue;
    if ((call === "open" || call === "openat" || call === "openat2") && !/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(rest)) continue;
    // Every (dirfd?, "path") pair of the call; for rename/link/symlink only the new path matters, but checking both is stricter.
    const re = /(?:(AT_FDCWD|\d+)<([^>]*)>,\s*)?"((?:[^"\\]|\\.)*)"/g;
    let a: RegExpExecArray | null;
    while ((a = re.exec(rest))) {
      const base = a[2] ?? cwdOf(pid);
      const p = a[3]!.replace(/\\"/g, '"');
      if (call === "symlink" || call === "symlinkat") {
        // The first string is the link's content, not a path written.
        if (a.index === rest.indexOf('"')) continue;
      }
      out.push({ pid, call, path: isAbsolute(p) ? p : resolve(base, p), line: raw });
    }
  }
  return out;
}

/** Run kmdll under strace; returns its exit status and the writes outside `allowed`. */
function traced(args: string[], allowed: string[], cwd: string): { code: number; stderr: string; outside: Write[]; writes: Write[] } {
  const log = join(dir, `trace-${Date.now()}-${Math.random().toString(16).slice(2)}.txt`);
  const tmp = join(dir, "tmp");
  mkdirSync(tmp, { recursive: true });
  const r = spawnSync("strace", ["-f", "-y", "-qq", "-s", "4096", "-o", log, process.execPath, repoPath("bin", "kmdll.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, TMPDIR: tmp },
    timeout: 300_000,
  });
  if (r.error) throw new Error(`strace could not run (scripts/setup.sh installs it): ${r.error.message}`);
  assert.ok(existsSync(log), `strace wrote no log: ${r.stderr}`);
  const writes = writesOf(readFileSync(log, "utf8"), cwd);
  assert.ok(writes.length > 0 || r.status !== 0, "the trace shows no writes at all: is strace tracing?");
  const ok = [...allowed, tmp].map((a) => realLocation(a));
  const outside = writes.filter((w) => {
    if (/^\/dev\/(null|tty|pts\/)/.test(w.path) || w.path.startsWith("/proc/") || w.path.startsWith("/sys/")) return false;
    const real = realLocation(w.path);
    return !ok.some((a) => real === a || real.startsWith(a + "/"));
  });
  return { code: r.status ?? -1, stderr: r.stderr, outside, writes };
}

const show = (ws: Write[]) => ws.map((w) => w.line).join("\n");

test("strace: kmdll new and build --install write only inside the workspace and the install root", () => {
  const ws = join(dir, "ws");
  const root = join(dir, "root");
  const outside = join(dir, "outside");
  mkdirSync(outside);
  writeFileSync(join(outside, "keep.txt"), "keep");
  let r = traced(["new", "export-driver", "expdrv", ws], [ws], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.outside, [], show(r.outside));
  assert.ok(r.writes.some((w) => w.path === join(ws, "dirs") || w.path.startsWith(join(ws, ".dirs."))), "the dirs file was written (the trace sees kmdll's writes)");
  r = traced(["new", "driver", "user", "--imports", "expdrv", ws], [ws], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.outside, [], show(r.outside));

  r = traced(["build", ws, "--arch", "x64", "--install", root], [ws, root], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.outside, [], show(r.outside));
  assert.ok(existsSync(join(root, "System32", "drivers", "expdrv.sys")));
  assert.ok(r.writes.some((w) => w.path.startsWith(join(ws, "out") + "/")), "the build's own writes are in the trace");

  // Hostile 1: System32/drivers is a link leading out of the root.
  const root2 = join(dir, "root2");
  mkdirSync(join(root2, "System32"), { recursive: true });
  symlinkSync(outside, join(root2, "System32", "drivers"));
  r = traced(["build", ws, "--arch", "x64", "--install", root2], [ws, root2], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^kmdll: .*drivers: is a symbolic link leading outside/m);
  assert.deepEqual(r.outside, [], show(r.outside));
  assert.deepEqual(readdirSync(outside).sort(), ["keep.txt"]);

  // Hostile 2: an installed driver that is a link to a file outside.
  const root3 = join(dir, "root3");
  mkdirSync(join(root3, "System32", "drivers"), { recursive: true });
  writeFileSync(join(outside, "victim.sys"), "victim");
  symlinkSync(join(outside, "victim.sys"), join(root3, "System32", "drivers", "expdrv.sys"));
  r = traced(["build", ws, "--arch", "x64", "--install", root3], [ws, root3], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /expdrv\.sys: is a symbolic link leading outside/);
  assert.deepEqual(r.outside, [], show(r.outside));
  assert.equal(readFileSync(join(outside, "victim.sys"), "utf8"), "victim");

  // Hostile 3: kmdll new into a project folder / dirs file that link out of the workspace.
  const ws2 = join(dir, "ws2");
  mkdirSync(ws2);
  symlinkSync(outside, join(ws2, "evil"));
  r = traced(["new", "export-driver", "evil", ws2], [ws2], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(r.outside, [], show(r.outside));
  rmSync(join(ws2, "evil"));
  writeFileSync(join(outside, "dirs"), "DIRS= x\n");
  symlinkSync(join(outside, "dirs"), join(ws2, "dirs"));
  r = traced(["new", "export-driver", "evil", ws2], [ws2], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(r.outside, [], show(r.outside));
  assert.equal(readFileSync(join(outside, "dirs"), "utf8"), "DIRS= x\n");
  assert.deepEqual(readdirSync(outside).sort(), ["dirs", "keep.txt", "victim.sys"]);
});

test("the strace parser sees a write outside (the check can fail)", () => {
  const victim = join(dir, "parser-victim");
  mkdirSync(victim, { recursive: true });
  const r = spawnSync("strace", ["-f", "-y", "-qq", "-o", join(dir, "self.txt"), "sh", "-c", `cd ${victim} && echo x > rel.txt && mkdir sub && mv rel.txt sub/`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const w = writesOf(readFileSync(join(dir, "self.txt"), "utf8"), dir);
  const paths = w.map((x) => x.path);
  assert.ok(paths.includes(join(victim, "rel.txt")), paths.join("\n"));
  assert.ok(paths.includes(join(victim, "sub")), paths.join("\n"));
});
