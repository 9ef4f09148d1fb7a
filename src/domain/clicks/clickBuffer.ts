// Clicks are recorded off the redirect path: pushed into memory, classified, and written to Postgres
// in batches. A failed write keeps the batch for the next try; stop() drains everything before exit.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../db/database.ts';
import type { ClickKind, DeviceClass } from '../../db/schema.ts';
import { classifyUserAgent, deviceClass, referrerHost, type Audience } from './classify.ts';
import type { RepeatDetector } from './repeatDetector.ts';
import { visitorHash } from './visitorHash.ts';
import { ClickQueue } from './clickQueue.ts';

export interface ClickEvent {
  linkId: number;
  at: Date;
  ip: string;
  userAgent: string | undefined;
  referer: string | undefined;
  country: string | null;
}

interface PendingClick {
  linkId: number;
  at: Date;
  audience: Audience;
  device: DeviceClass;
  referrerHost: string | null;
  country: string | null;
  visitorHash: string;
  /** Settled once, so a retried batch keeps its first verdict instead of turning into repeats. */
  kind?: ClickKind;
  /** The batch it was first tried in: a retry is the same batch, under the same id (written at most once). */
  batch?: string;
}

export interface ClickBufferOptions {
  db: Db;
  repeats: RepeatDetector;
  secret: string;
  flushMs: number;
  batchSize: number;
  /** Past this many unwritten clicks (database down for long), the oldest are dropped and counted. */
  maxBuffered?: number;
  onWritten?: (kind: ClickKind, count: number) => void;
  onDropped?: (count: number) => void;
  onError?: (err: unknown) => void;
}

/** Clicks written in one statement at most, when the buffer is behind (one Redis script marks them all: ~1 ms). */
const MAX_BATCH = 2000;

export class ClickBuffer {
  private readonly pending = new ClickQueue<PendingClick>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly uaCache = new LRUCache<string, { audience: Audience; device: DeviceClass }>({ max: 5000 });
  private readonly maxBuffered: number;

  constructor(private readonly opts: ClickBufferOptions) {
    this.maxBuffered = opts.maxBuffered ?? 500_000;
  }

  // Followers arrive from a handful of pages (a post, a story, a bio link): parse each referrer once.
  private readonly refererCache = new LRUCache<string, { host: string | null }>({ max: 5000 });

  private referrerHostOf(referer: string | undefined): string | null {
    if (!referer) return null;
    let hit = this.refererCache.get(referer);
    if (!hit) {
      hit = { host: referrerHost(referer) };
      this.refererCache.set(referer, hit);
    }
    return hit.host;
  }

  // The same visitor clicks again and again (that is what repeats are): keep their hash for the UTC day.
  private readonly visitorCache = new LRUCache<string, { day: number; hash: string }>({ max: 20_000 });

  private visitorHashOf(ip: string, ua: string, at: Date): string {
    const day = Math.floor(at.getTime() / 86_400_000);
    const key = `${ip}\n${ua}`;
    const hit = this.visitorCache.get(key);
    if (hit && hit.day === day) return hit.hash;
    const hash = visitorHash(this.opts.secret, ip, ua, at);
    this.visitorCache.set(key, { day, hash });
    return hash;
  }

  get depth(): number {
    return this.pending.length;
  }

  /** Age of the oldest click not yet written, ms (0 when none): clicks wait in arrival order, retries go back in front. */
  lagMs(now = Date.now()): number {
    const oldest = this.pending.at(0);
    return oldest ? Math.max(0, now - oldest.at.getTime()) : 0;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.opts.flushMs).unref();
  }

  push(event: ClickEvent): void {
    const ua = event.userAgent ?? '';
    let traits = this.uaCache.get(ua);
    if (!traits) {
      traits = { audience: classifyUserAgent(event.userAgent), device: deviceClass(event.userAgent) };
      this.uaCache.set(ua, traits);
    }
    this.pending.push({
      linkId: event.linkId,
      at: event.at,
      audience: traits.audience,
      device: traits.device,
      referrerHost: this.referrerHostOf(event.referer),
      country: event.country,
      visitorHash: this.visitorHashOf(event.ip, ua, event.at),
    });
    if (this.pending.length > this.maxBuffered) this.opts.onDropped?.(this.pending.drop(this.pending.length - this.maxBuffered));
    if (this.pending.length >= this.opts.batchSize) void this.flush();
  }

  /** Writes everything buffered now; concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.nextBatch();
      try {
        await this.write(batch, batch[0]!.batch!);
      } catch (err) {
        this.pending.putBack(batch); // keep them for the next attempt, as the same batch
        this.opts.onError?.(err);
        return;
      }
    }
  }

  /** The batch that failed last time, as it was (it sits in front), or the next clicks under a new id. */
  private nextBatch(): PendingClick[] {
    const retried = this.pending.at(0)!.batch;
    if (retried !== undefined) {
      let n = 1;
      while (n < this.pending.length && this.pending.at(n)!.batch === retried) n++;
      return this.pending.take(n);
    }
    // Behind (a burst, or Postgres back after a pause): bigger batches, so each round trip carries more clicks.
    const batch = this.pending.take(Math.max(this.opts.batchSize, Math.min(this.pending.length, MAX_BATCH)));
    const id = randomUUID();
    for (const c of batch) c.batch = id;
    return batch;
  }

  private async write(batch: PendingClick[], batchId: string): Promise<void> {
    const undecided = batch.filter((c) => c.kind === undefined && c.audience === 'human');
    const repeats = await this.opts.repeats.seen(undecided.map((c) => `${c.linkId}:${c.visitorHash}`));
    undecided.forEach((c, i) => (c.kind = repeats[i] ? 'repeat' : 'click'));
    const kinds: ClickKind[] = batch.map((c) => c.kind ?? (c.audience === 'human' ? 'click' : c.audience));
    // One array parameter per column (unnest) rather than seven parameters per row: the same rows, with far less
    // work to build and bind here and to parse and plan in Postgres (measured: about 4 µs less Postgres CPU and
    // 1-2 µs less of ours per click, which matters on a machine where the redirects and Postgres share the cores).
    // One statement records the batch's id and its clicks, or (the id already there: an earlier try committed but
    // its answer was lost with the connection) neither, so a retry never writes a click twice. Each click takes its
    // link's organisation here, by a join (12.6-13.6 µs a click written, in batches of 500, against 16.6-18.0 µs when
    // the migration's trigger fills it row by row). A click of a link deleted meanwhile is left out instead of
    // failing the batch for ever (its clicks went with it anyway). Rows go in arrival order, so ids follow it.
    await this.opts.db
      .with('batch', (db) =>
        db
          .insertInto('click_batches')
          .values({ id: batchId })
          .onConflict((oc) => oc.doNothing())
          .returning('id'),
      )
      .insertInto('clicks')
      .columns(['link_id', 'clicked_at', 'kind', 'referrer_host', 'device', 'country', 'visitor_hash', 'organisation_id'])
      .expression(
        sql`select u.link_id, u.clicked_at, u.kind, u.referrer_host, u.device, u.country, u.visitor_hash, i.organisation_id
              from unnest(${batch.map((c) => c.linkId)}::bigint[], ${batch.map((c) => c.at.toISOString())}::timestamptz[], ${kinds}::text[], ${batch.map((c) => c.referrerHost)}::text[], ${batch.map((c) => c.device)}::text[], ${batch.map((c) => c.country)}::char(2)[], ${batch.map((c) => c.visitorHash)}::text[]) with ordinality as u(link_id, clicked_at, kind, referrer_host, device, country, visitor_hash, n)
              join links k on k.id = u.link_id join influencers i on i.id = k.influencer_id
             where exists (select from batch)
             order by u.n`,
      )
      .execute();
    const byKind = new Map<ClickKind, number>();
    for (const kind of kinds) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    for (const [kind, n] of byKind) this.opts.onWritten?.(kind, n);
  }

  /** Stops the timer and drains the buffer, retrying until empty or the deadline passes. */
  async stop(deadlineMs = 10_000): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const until = Date.now() + deadlineMs;
    while (this.pending.length > 0 || this.flushing) {
      await this.flush();
      if (this.pending.length === 0) break;
      if (Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return this.pending.length;
  }
}

/** How long a written batch's id is kept: far longer than any buffer holds a batch it could not write. */
export const CLICK_BATCH_IDS_KEPT_DAYS = 7;

/**
 * Forgets the ids of batches written more than CLICK_BATCH_IDS_KEPT_DAYS ago; returns how many. By the database's
 * clock: the ids matter for retries happening now, whatever date a caller's (test) clock says.
 */
export async function pruneClickBatches(db: Db): Promise<number> {
  const r = await db
    .deleteFrom('click_batches')
    .where('written_at', '<', sql<Date>`now() - make_interval(days => ${CLICK_BATCH_IDS_KEPT_DAYS})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
