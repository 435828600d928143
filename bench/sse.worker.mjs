// The clients of `npm run bench:sse`, in a worker thread (the platform runs in the main thread):
// as many EventSource-like streams as asked, over node:http (no pooling: a socket per stream),
// each parsed as a browser would, reconnecting after `retry:` with Last-Event-ID when its stream
// ends before a final status. Every status event is timestamped (Date.now()) when its last byte
// arrives. Messages: {type: 'open', base, urls, connectConcurrency} (no answer), {type: 'report'}, {type: 'close'}.
import http from 'node:http';
import { parentPort } from 'node:worker_threads';

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const streams = [];
let closing = false;

function connect(stream) {
  return new Promise((resolve) => {
    const headers = { accept: 'text/event-stream', ...(stream.lastEventId ? { 'last-event-id': stream.lastEventId } : {}) };
    const req = http.get(stream.url, { agent, headers }, (res) => {
      if (res.statusCode === 204) {
        stream.final = true;
        res.resume();
        return resolve();
      }
      if (res.statusCode !== 200) {
        stream.errors.push(res.statusCode);
        res.resume();
        res.on('end', () => reconnect(stream));
        return resolve();
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let id;
          let data;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments += 1;
            else if (line.startsWith('retry:')) stream.retry = Number(line.slice(6));
            else if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('data:')) data = line.slice(5).trim();
          }
          if (data === undefined) continue;
          const status = JSON.parse(data).status;
          stream.events.push({ id, status, at: Date.now() });
          stream.lastEventId = id;
          if (status !== 'queued') stream.final = true;
        }
        resolve();
      });
      res.on('end', () => reconnect(stream));
      res.on('error', () => reconnect(stream));
    });
    req.on('error', (error) => {
      stream.errors.push(String(error.code ?? error));
      reconnect(stream);
      resolve();
    });
  });
}

function reconnect(stream) {
  if (stream.final || closing) return;
  stream.reconnects += 1;
  setTimeout(() => void connect(stream), stream.retry ?? 1_000);
}

parentPort.on('message', async (message) => {
  if (message.type === 'open') {
    const opened = message.urls.map((url) => ({ url: new URL(url, message.base).href, events: [], comments: 0, reconnects: 0, errors: [], final: false }));
    streams.push(...opened);
    let next = 0;
    // Streams open a few hundred at a time (a browser's fleet arrives over seconds, not in one tick).
    await Promise.all(
      Array.from({ length: message.connectConcurrency }, async () => {
        while (next < opened.length) await connect(opened[next++]);
      }),
    );
  } else if (message.type === 'report') {
    parentPort.postMessage({
      type: 'report',
      streams: streams.map((s) => ({ url: s.url, events: s.events, comments: s.comments, reconnects: s.reconnects, errors: s.errors, final: s.final })),
    });
  } else if (message.type === 'close') {
    closing = true;
    agent.destroy();
    parentPort.postMessage({ type: 'closed' });
  }
});
