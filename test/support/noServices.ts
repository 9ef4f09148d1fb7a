// Unit tests run without Postgres or Redis: any attempt to reach either fails the test at once, so a test that
// needs them cannot slip into the unit project (it belongs in the integration project).
import net from 'node:net';

const guarded = Symbol.for('affiliate.noServices');

function servicePorts(): Set<number> {
  const ports = new Set([5432, 6379]);
  for (const v of [process.env.TEST_DATABASE_SERVER, process.env.TEST_REDIS_URL]) {
    if (!v) continue;
    try {
      const port = Number(new URL(v).port);
      if (port) ports.add(port);
    } catch {
      // not a URL: nothing to add
    }
  }
  return ports;
}

const proto = net.Socket.prototype as net.Socket & { [guarded]?: boolean };
if (!proto[guarded]) {
  proto[guarded] = true;
  const ports = servicePorts();
  const connect = proto.connect;
  proto.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const opts = Array.isArray(first) ? first[0] : first;
    const port = typeof opts === 'object' && opts !== null ? Number((opts as { port?: unknown }).port) : Number(opts);
    if (ports.has(port))
      throw new Error(
        `A unit test tried to reach port ${port} (Postgres or Redis): move it to the integration project (name it *.test.ts, not *.unit.test.ts).`,
      );
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof proto.connect;
}
