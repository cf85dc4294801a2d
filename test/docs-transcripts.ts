/**
 * Transcripts in README.md and docs/*.md: fenced blocks whose lines starting with "$ " are shell
 * commands and whose other lines are what the command printed. docs-output.test.ts runs them and
 * compares, so the output a document shows is the output kmdll prints today.
 *
 * Conventions a document may use inside an expected output:
 *   - a line that is only "..." (or "…") stands for any number of lines (a cut);
 *   - "…" inside a line stands for any text (a part of a line left out);
 *   - a last line "[exit N]" or "(exit N)" is the command's exit status;
 *   - "(lines cut)" after a command: the lines shown appear in this order, others between them.
 * Durations ("0.84 s", "2768 ms") are compared as "a duration", never by value, and x64 pool
 * addresses (0xffff9000xxxxxxxx) as "a pool address": which block the pool hands out first moves
 * whenever the boot allocates one more object, and no document is about that.
 * An HTML comment on the line before a block steers it:
 *   <!-- docs-output: skip — REASON -->      not run (REASON is required: inputs the reader has, not the repository)
 *   <!-- docs-output: cwd=repo -->           run in the repository's root (read-only commands whose output names paths)
 *   <!-- docs-output: setup SHELL COMMAND --> run first, output ignored (a file the prose says the reader wrote)
 */
import { spawn } from "node:child_process";

export interface Command {
  /** The command line, continuation lines joined. */
  cmd: string;
  /** 1-based line of the "$ " line in the document. */
  line: number;
  expected: string[];
}

export interface Block {
  line: number;
  commands: Command[];
  skip?: string;
  cwdRepo: boolean;
  setup: string[];
}

export function parseTranscripts(text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  let cur: Block | null = null;
  const directives: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (cur === null) {
      const d = /^<!-- docs-output: (.*) -->\s*$/.exec(l);
      if (d) { directives.push(d[1]!.trim()); continue; }
      if (/^```/.test(l)) {
        cur = { line: i + 1, commands: [], cwdRepo: false, setup: [] };
        for (const d of directives) {
          if (d === "cwd=repo") cur.cwdRepo = true;
          else if (d.startsWith("setup ")) cur.setup.push(d.slice(6));
          else if (/^skip\b/.test(d)) cur.skip = d.replace(/^skip\s*[—-]?\s*/, "") || "";
          else throw new Error(`line ${i}: unknown docs-output directive "${d}"`);
        }
        directives.length = 0;
        continue;
      }
      if (l.trim() !== "") directives.length = 0;
      continue;
    }
    if (/^```/.test(l)) {
      if (cur.commands.length) blocks.push(cur);
      cur = null;
      continue;
    }
    if (l.startsWith("$ ")) {
      let cmd = l.slice(2);
      const line = i + 1;
      while (cmd.endsWith("\\") && i + 1 < lines.length) cmd = cmd.slice(0, -1) + " " + lines[++i]!.trim();
      cur.commands.push({ cmd, line, expected: [] });
    } else if (cur.commands.length) cur.commands[cur.commands.length - 1]!.expected.push(l);
  }
  return blocks;
}

const DURATION = /\b\d+(?:\.\d+)? ?(?:ms|s)\b/g;
const POOL = /\b0xffff9000[0-9a-f]{8}\b/g;
const norm = (s: string): string => s.replace(DURATION, "<duration>").replace(POOL, "<pool address>").replace(/\s+$/, "");
const isCut = (s: string): boolean => s.trim() === "..." || s.trim() === "…";

function lineMatches(expected: string, got: string): boolean {
  const e = norm(expected), g = norm(got);
  if (!e.includes("…")) return e === g;
  const re = new RegExp("^" + e.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
  return re.test(g);
}

export interface Expectation {
  lines: string[];
  exit?: number;
  subsequence: boolean;
}

export function expectationOf(c: Command): Expectation {
  const lines = [...c.expected];
  while (lines.length && lines[lines.length - 1]!.trim() === "") lines.pop();
  let exit: number | undefined;
  const last = lines.length ? /^[[(]exit (\d+)[\])]$/.exec(lines[lines.length - 1]!.trim()) : null;
  if (last) { exit = Number(last[1]); lines.pop(); }
  return { lines, exit, subsequence: c.cmd.includes("(lines cut)") };
}

/** Why `got` (the command's output lines) does not show what `e` says, or null when it does. */
export function mismatch(e: Expectation, got: string[], status: number | null): string | null {
  if (e.exit !== undefined && status !== e.exit) return `exit status ${status}, the document says ${e.exit}`;
  const exp = e.lines;
  got = [...got];
  while (got.length && got[got.length - 1]!.trim() === "") got.pop();
  let gi = 0;
  for (let ei = 0; ei < exp.length; ei++) {
    const line = exp[ei]!;
    if (isCut(line) || e.subsequence) {
      const want = isCut(line) ? exp[ei + 1] : line;
      if (isCut(line)) {
        if (want === undefined) return null;
        ei++;
      }
      while (gi < got.length && !lineMatches(want!, got[gi]!)) gi++;
      if (gi === got.length) return `line ${ei + 1} of the output shown, ${JSON.stringify(want)}, is not printed (after the cut)`;
      gi++;
      continue;
    }
    if (gi >= got.length) return `line ${ei + 1} of the output shown, ${JSON.stringify(line)}, is not printed (the output has ${got.length} lines)`;
    if (!lineMatches(line, got[gi]!)) return `line ${ei + 1}: the document shows ${JSON.stringify(line)}, kmdll prints ${JSON.stringify(got[gi])}`;
    gi++;
  }
  if (!e.subsequence && gi < got.length) return `kmdll prints more than the document shows, from ${JSON.stringify(got[gi])} (end the block with "..." if that is a cut)`;
  return null;
}

/**
 * Runs a block's commands in one bash, as a reader typing them would (so `echo $?` and `cd` work),
 * and splits the output at markers printed between them: one { out, status } per command.
 */
export function runBlock(setup: string[], commands: string[], cwd: string, bin: string): Promise<{ out: string; status: number }[]> {
  const mark = `@@kmdll-docs-${process.pid}@@`;
  const script = ["exec 2>&1", ...setup.map((s) => `{ ${s}\n} >/dev/null 2>&1`),
    ...commands.map((c) => `${c}\n__s=$?; printf '\\n${mark} %d\\n' "$__s"; (exit $__s)`)].join("\n");
  return new Promise((resolvePromise) => {
    const child = spawn("bash", ["-c", script], { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => { out += d.toString("utf8"); });
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("close", () => {
      clearTimeout(timer);
      const results: { out: string; status: number }[] = [];
      const re = new RegExp(`\\n${mark} (\\d+)\\n`, "g");
      let last = 0;
      for (const m of out.matchAll(re)) {
        results.push({ out: out.slice(last, m.index).replace(/\n$/, ""), status: Number(m[1]) });
        last = m.index! + m[0].length;
      }
      resolvePromise(results);
    });
  });
}
