/**
 * The local SQS server alone, in a process of its own:
 *   tsx bin/local/sqs-server.ts --port 0 --data-dir .data/sqs [--redeliver-in-flight]
 * Prints one JSON line `{"endpoint":"http://127.0.0.1:<port>"}` when it answers, and stops on
 * SIGTERM or SIGINT. The durability tests kill it with SIGKILL and start it again on the same folder.
 */
import { parseArgs } from 'node:util';
import { startSqs } from './sqs';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    'redeliver-in-flight': { type: 'boolean', default: false },
    fsync: { type: 'string', default: 'interval' },
  },
});

if (args.fsync !== 'interval' && args.fsync !== 'always') throw new Error('--fsync is interval or always');
const sqs = await startSqs({
  port: Number(args.port),
  ...(args['data-dir'] ? { dataDir: args['data-dir'] } : {}),
  redeliverInFlightAtStart: args['redeliver-in-flight'],
  journal: { fsync: args.fsync },
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ endpoint: sqs.endpoint })}\n`);

const stop = () => {
  void sqs.stop().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
