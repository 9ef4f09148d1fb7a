// The baseline for bench/redirect.ts: a bare node:http server that answers GET /l/<code> from a Map with
// exactly the 302 the real server sends (same status and headers), and 404 with no body otherwise.
// Nothing else: no cache layers, no click recording, no metrics, no express.
//
// Env: BARE_LINKS = JSON { "<code>": { "location": "...", ...other response headers } }, BARE_HOST (127.0.0.1),
// BARE_PORT (0 = any free port). Prints one line `listening <port>` on stdout once it accepts connections.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const links = new Map<string, Record<string, string>>(Object.entries(JSON.parse(process.env.BARE_LINKS ?? '{}') as Record<string, Record<string, string>>));

const server = createServer((req, res) => {
  const url = req.url ?? '';
  if (req.method === 'GET' && url.startsWith('/l/')) {
    const q = url.indexOf('?');
    const headers = links.get(q === -1 ? url.slice(3) : url.slice(3, q));
    if (headers) {
      res.writeHead(302, headers);
      res.end();
      return;
    }
  }
  res.writeHead(404, { 'content-length': 0 });
  res.end();
});
server.keepAliveTimeout = 5000; // as the real server

server.listen(Number(process.env.BARE_PORT ?? 0), process.env.BARE_HOST ?? '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
