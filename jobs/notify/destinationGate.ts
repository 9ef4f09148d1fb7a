// Per-destination pacing shared by every worker process through Redis: about one message per second per
// channel (Slack's rule), and a pause for as long as a 429 said. Returns how long to wait, 0 = go.
import type { Redis } from 'ioredis';

export class DestinationGate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly minIntervalMs = 1000,
  ) {}

  async wait(destination: string): Promise<number> {
    const base = `${this.prefix}:dest:${destination}`;
    const paused = await this.redis.pttl(`${base}:pause`);
    if (paused > 0) return paused;
    const took = await this.redis.set(`${base}:slot`, '1', 'PX', this.minIntervalMs, 'NX');
    if (took === 'OK') return 0;
    return Math.max(1, await this.redis.pttl(`${base}:slot`));
  }

  async pause(destination: string, ms: number): Promise<void> {
    await this.redis.set(`${this.prefix}:dest:${destination}:pause`, '1', 'PX', Math.max(1, Math.ceil(ms)));
  }
}
