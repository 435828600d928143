import { writeSync } from 'node:fs';

/**
 * Named points between two steps where the crash tests make the local runtime die
 * (test/crash): with `LOCAL_CRASH_POINT=<name>[@n]` on the local stage, the n-th pass
 * (default the first) through `crashPoint(name)` in this process prints
 * `CRASH-POINT <name>` and SIGKILLs the process's whole group, as a power cut would: no
 * catch, finally or shutdown hook runs. Unset, and on every stage but `local`, a pass
 * costs one comparison (the environment is read once).
 */
export interface CrashPointSetting {
  readonly name: string;
  /** Crash on this pass through the point (1 = the first). */
  readonly pass: number;
}

/** `name` or `name@n` (n ≥ 1), only on the local stage; anything else arms nothing. */
export function parseCrashPoint(value: string | undefined, stage: string | undefined): CrashPointSetting | null {
  if (!value || stage !== 'local') return null;
  const match = /^([\w.-]+)(?:@(\d+))?$/.exec(value.trim());
  if (!match) return null;
  const pass = match[2] === undefined ? 1 : Number(match[2]);
  return pass >= 1 ? { name: match[1]!, pass } : null;
}

let armed: CrashPointSetting | null | undefined;
let passes = 0;

export function crashPoint(name: string): void {
  // Only an explicit local stage arms a point (config() would default an unset STAGE to local).
  if (armed === undefined) armed = parseCrashPoint(process.env.LOCAL_CRASH_POINT, process.env.STAGE);
  if (armed === null || armed.name !== name) return;
  passes += 1;
  if (passes < armed.pass) return;
  // Written synchronously, so the line is out before the signal lands.
  writeSync(1, `CRASH-POINT ${name}\n`);
  process.kill(0, 'SIGKILL'); // pid 0: every process of this process group
}
