import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Points this process at the engines of the running `npm start` (its data folder's
 * runtime.json), for command-line tools such as the seeder and the audit.
 */
export function useRunningPlatform(dataDir: string): { url: string } {
  const runtimeFile = resolve(dataDir, 'runtime.json');
  if (!existsSync(runtimeFile)) {
    console.error(`No running platform found (${runtimeFile} is missing). Start it first with \`npm start\`, then run this again.`);
    process.exit(1);
  }
  const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as { env: Record<string, string>; url: string };
  Object.assign(process.env, runtime.env, { POWERTOOLS_LOG_LEVEL: 'ERROR' });
  return { url: runtime.url };
}
