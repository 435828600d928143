import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds } from './process-usage';
import { machine } from './support';

/**
 * `npm run bench:idle`: the CPU a running platform uses at rest. Finds the platform's process
 * (`<data-dir>/runtime.json`, written by `npm start`, or `--pid`) and all its descendants
 * (DynamoDB Local's java, a redis-server it started, esbuild), samples their user+system CPU
 * from /proc over `--seconds` (default 30) and prints each one's share of one core, the
 * total, and the verdict against the goal (5 % of one core). Send no traffic meanwhile.
 * Options: --data-dir (default .data), --pid, --seconds, --goal (percent), --out (markdown).
 */
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
    pid: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    goal: { type: 'string', default: '5' },
    out: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const goalPercent = Number(values.goal);
if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${values.seconds}`);

function platformPid(): number {
  if (values.pid) return Number(values.pid);
  const file = resolve(values['data-dir'], 'runtime.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
  } catch (error) {
    throw new Error(`No running platform found: cannot read ${file} (${(error as Error).message}). Start it with \`npm start\`, or pass --pid.`, { cause: error });
  }
}

const rootPid = platformPid();
try {
  process.kill(rootPid, 0);
} catch {
  throw new Error(`Process ${rootPid} is not running (stale runtime.json?)`);
}

/** Parent pid of a process, from /proc/<pid>/stat (after the parenthesised command name). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The root and every process below it. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

function describe(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const program = args[0]?.split('/').pop() ?? '?';
    if (program === 'java' && args.some((a) => a.includes('DynamoDBLocal'))) return 'DynamoDB Local (java)';
    if (program === 'node') return pid === rootPid ? 'platform (node)' : `node ${args.slice(1).join(' ').slice(0, 40)}`;
    return `${program} ${args.slice(1).join(' ')}`.slice(0, 48).trim();
  } catch {
    return '?';
  }
}

interface Tracked {
  readonly name: string;
  readonly start: number;
  last: number;
}
const tracked = new Map<number, Tracked>();
/** Records every process of the tree; one that appeared meanwhile counts from zero. */
function sample(first: boolean): void {
  for (const pid of tree(rootPid)) {
    const now = cpuSeconds(pid);
    if (Number.isNaN(now)) continue;
    const known = tracked.get(pid);
    if (known) known.last = now;
    else tracked.set(pid, { name: describe(pid), start: first ? now : 0, last: now });
  }
}

const pct = (cpu: number, span: number) => (100 * cpu) / span;
const fmt = (value: number) => `${value.toFixed(2).padStart(6)} %`;

console.log(`Idle CPU of the platform (pid ${rootPid}) over ${seconds} s, on ${machine()}`);
sample(true);
const started = performance.now();
const deadline = started + seconds * 1000;
let lastReport = started;
while (performance.now() < deadline) {
  await sleep(Math.min(1000, deadline - performance.now()));
  sample(false);
  if (performance.now() - lastReport >= 10_000 && performance.now() < deadline - 1000) {
    lastReport = performance.now();
    const span = (lastReport - started) / 1000;
    const used = [...tracked.values()].reduce((sum, t) => sum + t.last - t.start, 0);
    console.log(`  ${span.toFixed(0)} s: ${fmt(pct(used, span))} of one core so far`);
  }
}
const span = (performance.now() - started) / 1000;
const rows = [...tracked.entries()].map(([pid, t]) => ({ pid, name: t.name, percent: pct(t.last - t.start, span) })).sort((a, b) => b.percent - a.percent);
const total = rows.reduce((sum, r) => sum + r.percent, 0);
const verdict = total <= goalPercent ? `within the goal (≤ ${goalPercent} % of one core)` : `ABOVE the goal (≤ ${goalPercent} % of one core)`;

const lines = [`| process | pid | % of one core |`, `|---|---:|---:|`, ...rows.map((r) => `| ${r.name} | ${r.pid} | ${r.percent.toFixed(2)} |`), `| **total** | | **${total.toFixed(2)}** |`];
console.log(`\nOver ${span.toFixed(1)} s:`);
for (const r of rows) console.log(`  ${fmt(r.percent)}  ${r.name} (pid ${r.pid})`);
console.log(`  ${fmt(total)}  total: ${verdict}`);
if (values.out) {
  writeFileSync(
    values.out,
    `# Idle CPU\n\n${new Date().toISOString()}, ${machine()}; platform pid ${rootPid}, ${span.toFixed(1)} s at rest.\n\n${lines.join('\n')}\n\nTotal ${total.toFixed(2)} % of one core: ${verdict}.\n`,
  );
  console.log(`Written to ${values.out}`);
}
