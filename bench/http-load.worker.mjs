// The body of bench/http-client.ts's worker thread (plain JavaScript: workers do not get
// tsx's loader). Runs one job at a time and answers its latency summary.
import { parentPort } from 'node:worker_threads';

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

parentPort.on('message', async (job) => {
  const latencies = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      for (let i = next++; i < job.count; i = next++) {
        const t = performance.now();
        const res = await fetch(job.urls[i % job.urls.length], { headers: job.headers ?? {} });
        await res.arrayBuffer();
        if (res.status >= 400) failures += 1;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  parentPort.postMessage({ n: job.count, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0, perSecond: job.count / elapsed, failures });
});
