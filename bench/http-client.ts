import { Worker } from 'node:worker_threads';
import type { LatencySummary } from './support';

/**
 * An HTTP load generator in its own thread (own event loop and heap), so the client's work
 * and garbage do not land on the server's timings, as with a real remote client.
 */
export interface Job {
  readonly urls: readonly string[];
  readonly count: number;
  readonly concurrency: number;
  readonly headers?: Record<string, string>;
}

export class HttpLoad {
  private readonly worker = new Worker(new URL('./http-load.worker.mjs', import.meta.url));

  run(job: Job): Promise<LatencySummary> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (summary: LatencySummary & { failures: number }) => (summary.failures > 0 ? reject(new Error(`${summary.failures} requests failed`)) : resolve(summary)));
      this.worker.once('error', reject);
      this.worker.postMessage(job);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
