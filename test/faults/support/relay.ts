// A TCP relay in front of a real service (Postgres), owned by the test, to take it away without touching the shared
// server: `cut()` is the service going away (every connection reset, new ones refused), `pause()` is a stall (the
// connections stay open and new ones are accepted, but no byte goes through either way until `resume()`), which is
// what a hung server or a black-holed network looks like and what only timeouts can tell.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../../support/processes.ts';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Bytes held while paused, per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export class Relay {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private paused = false;
  /** Connections cut by `cut()` so far (a figure for the fault report). */
  cutConnections = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<Relay> {
    const relay = new Relay(await freePort(), target);
    await relay.open();
    return relay;
  }

  /** A URL like `url` with its host and port replaced by the relay's. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** Accepts connections (again). */
  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.server = server;
  }

  /** Resets every connection and refuses new ones until `open()`. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.cutConnections += this.pairs.size;
    for (const p of this.pairs) {
      p.client.resetAndDestroy();
      p.upstream.destroy();
    }
    this.pairs.clear();
    if (server) await new Promise((r) => server.close(r));
  }

  /** Holds every byte in both directions (and of new connections) until `resume()`. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const p of this.pairs) this.flush(p);
  }

  async close(): Promise<void> {
    this.paused = false;
    await this.cut();
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream, toUpstream: [], toClient: [] };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', drop);
      s.on('close', drop);
    }
    client.on('data', (d: Buffer) => {
      if (this.paused) pair.toUpstream.push(d);
      else upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (this.paused) pair.toClient.push(d);
      else client.write(d);
    });
  }

  private flush(p: Pair): void {
    for (const d of p.toUpstream.splice(0)) p.upstream.write(d);
    for (const d of p.toClient.splice(0)) p.client.write(d);
  }
}
