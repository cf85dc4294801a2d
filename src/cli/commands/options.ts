/** Option parsers shared by several commands. */
import { InvalidArgumentError } from "commander";

/** --max-events N: a whole number from 1 to 10^9. */
export function maxEventsArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 1e9) throw new InvalidArgumentError("expected a whole number from 1 to 1000000000");
  return n;
}
