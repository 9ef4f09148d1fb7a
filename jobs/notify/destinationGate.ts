// Per-destination pacing shared by every worker process through Redis: about one message per second per
// channel (Slack's rule), and a pause for as long as a 429 said.
//
// A delivery takes a turn at its destination: the next free moment, at least one interval after the turn before
// it, after the previous send finished and after any pause. A turn within holdMs is reserved and waited for in
// the worker, so a busy channel always has its next message ready when its second comes (delayed jobs would come
// back at the end of the queue, and all at once: the crowd racing for each slot is what made a busy channel send
// late). A turn further off is not reserved: the delivery queues in the destination's line and is told to come
// back about when its rank comes up. Right before sending, the interval is checked against the end of the previous
// send, not its start, so a slow request never puts two messages less than an interval apart at the platform.
import type { Redis } from 'ioredis';

// Keys: turns (zset ticket → reserved time), line (zset ticket → first seen), spacing, pause.
// Args: ticket, interval, hold (0: reserve only a turn that is due now).
// Returns [ms until the turn, 1] when reserved, else [ms to come back after, 0].
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ticket, interval, hold = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 2 * interval)
local mine = redis.call('ZSCORE', KEYS[1], ticket)
if mine then return {math.max(0, tonumber(mine) - now), 1} end
local at = now
local paused = redis.call('PTTL', KEYS[4])
if paused > 0 then at = now + paused end
local spacing = redis.call('PTTL', KEYS[3])
if spacing > 0 and now + spacing > at then at = now + spacing end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) + interval > at then at = tonumber(last[2]) + interval end
if at - now <= hold then
  redis.call('ZADD', KEYS[1], at, ticket)
  redis.call('PEXPIRE', KEYS[1], at - now + 2 * interval)
  redis.call('ZREM', KEYS[2], ticket)
  return {at - now, 1}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 3600000)
redis.call('ZADD', KEYS[2], 'NX', now, ticket)
redis.call('PEXPIRE', KEYS[2], 3600000)
local rank = redis.call('ZRANK', KEYS[2], ticket)
return {math.max(1, at - now - hold + rank * interval), 0}
`;

// Keys: turns, spacing, busy, pause. Args: ticket, interval, in-flight ms. Returns 0 (go: the send is marked in
// flight) or ms to wait; while another send is in flight, a short poll.
const GO = `
local paused = redis.call('PTTL', KEYS[4])
if paused > 0 then return paused end
local spacing = redis.call('PTTL', KEYS[2])
if spacing > 0 then return spacing end
local busy = redis.call('PTTL', KEYS[3])
if busy > 0 then return math.min(busy, 20) end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
redis.call('ZREM', KEYS[1], ARGV[1])
return 0
`;

type GateRedis = Redis & {
  destinationGateTake(turns: string, line: string, spacing: string, pause: string, ticket: string, interval: number, hold: number): Promise<[number, number]>;
  destinationGateGo(turns: string, spacing: string, busy: string, pause: string, ticket: string, interval: number, inFlightMs: number): Promise<number>;
};

export interface DestinationGateOptions {
  /** Least time between the end of one send and the start of the next at a destination. */
  minIntervalMs?: number;
  /** A turn at most this far off is waited for in the worker; further off, the job is delayed. */
  holdMs?: number;
  /** At most this many deliveries of this process wait in a worker for their turn at once (the rest are delayed). */
  maxHolding?: number;
  /** How long a send in flight keeps its destination's turn if it never reports back (a crashed process). */
  inFlightMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class DestinationGate {
  private readonly redis: GateRedis;
  private readonly minIntervalMs: number;
  private readonly holdMs: number;
  private readonly maxHolding: number;
  private readonly inFlightMs: number;
  private holding = 0;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    opts: DestinationGateOptions = {},
  ) {
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.holdMs = opts.holdMs ?? Math.round(this.minIntervalMs * 1.5);
    this.maxHolding = opts.maxHolding ?? 8;
    this.inFlightMs = opts.inFlightMs ?? this.minIntervalMs + 10_000;
    const r = redis as GateRedis;
    if (typeof r.destinationGateTake !== 'function') r.defineCommand('destinationGateTake', { numberOfKeys: 4, lua: TAKE });
    if (typeof r.destinationGateGo !== 'function') r.defineCommand('destinationGateGo', { numberOfKeys: 4, lua: GO });
    this.redis = r;
  }

  private keys(destination: string) {
    const base = `${this.prefix}:dest:${destination}`;
    return { turns: `${base}:turns`, line: `${base}:line`, spacing: `${base}:slot`, busy: `${base}:busy`, pause: `${base}:pause` };
  }

  /**
   * Waits for this ticket's turn at the destination when it is near, and marks the send in flight: 0 = send now,
   * then call sent(). Otherwise the ms after which to try again (nothing is held meanwhile). `prepare` runs once
   * the turn is reserved, while it comes (work that needs no turn, done off the destination's clock).
   */
  async turn(destination: string, ticket: string, prepare?: () => Promise<void>): Promise<number> {
    const k = this.keys(destination);
    const hold = this.holding < this.maxHolding ? this.holdMs : 0;
    const [ahead, reserved] = await this.redis.destinationGateTake(k.turns, k.line, k.spacing, k.pause, ticket, this.minIntervalMs, hold);
    if (!reserved) return Math.max(1, ahead);
    this.holding++;
    let wait = ahead;
    const release = () => this.redis.multi().zrem(k.turns, ticket).zrem(k.line, ticket).exec();
    try {
      await Promise.all([ahead > 0 ? sleep(ahead) : undefined, prepare?.()]);
      // Our turn: the previous send may still be finishing (or a 429 paused the destination meanwhile).
      const until = Date.now() + this.holdMs;
      for (;;) {
        wait = await this.redis.destinationGateGo(k.turns, k.spacing, k.busy, k.pause, ticket, this.minIntervalMs, this.inFlightMs);
        if (wait <= 0) return 0;
        if (Date.now() + wait > until) break;
        await sleep(wait);
      }
    } catch (err) {
      await release().catch(() => undefined);
      throw err;
    } finally {
      this.holding--;
    }
    await release();
    return Math.max(1, wait);
  }

  /** The send that turn() let go has finished (delivered or not): the interval starts now. */
  async sent(destination: string): Promise<void> {
    const k = this.keys(destination);
    await this.redis.multi().set(k.spacing, '1', 'PX', this.minIntervalMs).del(k.busy).exec();
  }

  async pause(destination: string, ms: number): Promise<void> {
    await this.redis.set(this.keys(destination).pause, '1', 'PX', Math.max(1, Math.ceil(ms)));
  }
}
