// CLI: ingest a report file through the same queue as the API, and read earnings like /earnings does.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { findMarketplace } from '../domain/amazon/marketplaces.ts';
import { parsePeriod, PERIOD_USAGE } from '../domain/earnings/period.ts';
import { earningsSummary, type EarningsScope } from '../domain/earnings/summary.ts';
import { createIngest, getIngest, ingestStatus, type IngestStatusDoc } from '../domain/ingest/ingests.ts';
import { NETWORKS, requireNetwork } from '../domain/ingest/networks.ts';
import { operatorOrganisation, parseOrganisationId } from '../domain/organisations/organisations.ts';
import { storeLocalFile } from '../domain/ingest/storeFile.ts';
import { requireInfluencerByHandle } from '../domain/organisations/influencers.ts';
import { formatMoney } from '../domain/common/money.ts';
import { UserError } from '../errors.ts';
import { closeQueues, createQueues, type Queues } from '../queues.ts';
import { createQueueConnection } from '../redis.ts';
import { ingestProcessor } from '../../jobs/ingest/processor.ts';
import { type CliCommand, str } from './context.ts';
import { formatIngestProgress, parseIngestProgress, type IngestStage } from './progress.ts';

/** How long the CLI waits for Redis before giving up (the queue connection itself retries for ever). */
const REDIS_READY_MS = 5000;

function whenReady(connection: Redis, timeoutMs: number): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off('ready', onReady);
      reject(new Error(`Cannot reach Redis (REDIS_URL) within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    connection.once('ready', onReady);
  });
}

/** One clear line for a path that cannot be ingested (missing, a directory, unreadable), before anything is stored. */
async function checkReadableFile(file: string): Promise<void> {
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new UserError('invalid_input', `${file} is a directory, not a report file.`);
    if (!st.isFile()) throw new UserError('invalid_input', `${file} is not a regular file.`);
    await access(file, constants.R_OK);
  } catch (err) {
    throw fileError(file, err);
  }
}

/** A file-system error about the operator's file as one line; anything else (e.g. writing FEED_STORAGE_DIR) as it is. */
function fileError(file: string, err: unknown): unknown {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string') return err;
  const aboutFile = e.path === undefined ? e.syscall !== 'write' : path.resolve(e.path) === path.resolve(file);
  if (!aboutFile) return err;
  switch (e.code) {
    case 'ENOENT':
      return new UserError('not_found', `No file at ${file}.`);
    case 'ENOTDIR':
      return new UserError('not_found', `No file at ${file} (a part of the path is not a directory).`);
    case 'EISDIR':
      return new UserError('invalid_input', `${file} is a directory, not a report file.`);
    case 'EACCES':
    case 'EPERM':
      return new UserError('forbidden', `Cannot read ${file}: permission denied.`);
    default:
      return new UserError('invalid_input', `Cannot read ${file} (${e.message}).`);
  }
}

export const ingestCommand: CliCommand = {
  name: 'ingest',
  summary: 'Ingest a report file (XLSX, CSV, TSV, ZIP or JSON lines) into the commission ledger',
  usage: 'ingest <file> --network amazon [--marketplace US] [--org <id>] [--confirm]',
  args: [{ syntax: '<file>', description: 'the report file (left where it is: a copy is ingested)' }],
  options: {
    network: { type: 'string', description: `affiliate network: ${NETWORKS.join(', ')}`, required: true },
    marketplace: { type: 'string', description: 'marketplace of the report (detected from the data when omitted)', value: 'code' },
    org: { type: 'string', description: 'organisation whose report it is (default: the only or default organisation)', value: 'id' },
    confirm: { type: 'boolean', description: 'apply a re-issued window even if it reverses more than half of its confirmed lines' },
  },
  async run(ctx, v, positionals) {
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new UserError('invalid_input', 'Give exactly one report file.');
    const network = requireNetwork(str(v.network)!);
    const organisationId = await operatorOrganisation(ctx.db, str(v.org) === undefined ? undefined : parseOrganisationId(str(v.org)!));
    const rawMarket = str(v.marketplace);
    const market = rawMarket === undefined ? undefined : findMarketplace(rawMarket);
    if (rawMarket !== undefined && !market) throw new UserError('invalid_input', `Unknown marketplace "${rawMarket.slice(0, 40)}".`);
    await checkReadableFile(file);
    // Redis first: without it the job can never be queued, and the CLI would wait for ever.
    const connection = createQueueConnection(ctx.config.REDIS_URL);
    connection.on('error', () => undefined);
    try {
      await whenReady(connection, REDIS_READY_MS);
    } catch (err) {
      connection.disconnect();
      throw err;
    }
    let queues: Queues | undefined;
    let worker: Worker | undefined;
    const progress = ctx.progress;
    try {
      let stored;
      try {
        stored = await storeLocalFile(file, ctx.config.FEED_STORAGE_DIR, ctx.config.FEED_MAX_BYTES);
      } catch (err) {
        throw fileError(file, err);
      }
      const ingestId = await createIngest(ctx.db, {
        organisationId,
        confirmReversals: v.confirm === true,
        network,
        source: 'cli',
        filePath: stored.path,
        fileName: file.split('/').pop() ?? null,
        sha256: stored.sha256,
        byteSize: stored.bytes,
        marketplace: market?.code ?? null,
      });

      // Same queue as the API; a worker in this process takes the job unless the service's workers get there first.
      // Whichever runs it reports progress on the job, so the terminal line below works in both cases.
      queues = createQueues(connection, ctx.config.QUEUE_PREFIX);
      worker = new Worker('ingest', ingestProcessor({ db: ctx.db, queues }), { connection, prefix: ctx.config.QUEUE_PREFIX, concurrency: 1 });
      worker.on('error', () => undefined);
      let phase: string | undefined;
      const show = (stage: IngestStage) => {
        progress?.show(formatIngestProgress(stage), { force: stage.phase !== phase });
        phase = stage.phase;
      };
      await queues.ingest.add('ingest', { ingestId }, { jobId: ingestId });
      if (progress) show({ phase: 'queued' });
      for (;;) {
        const ingest = await getIngest(ctx.db, ingestId);
        if (ingest && (ingest.status === 'succeeded' || ingest.status === 'failed' || ingest.status === 'held')) return ingestStatus(ingest);
        if (progress && ingest?.status === 'running') {
          const job = await queues.ingest.getJob(ingestId);
          show(parseIngestProgress(job?.progress) ?? { phase: 'reading', rows: 0 });
        }
        await new Promise((r) => setTimeout(r, progress ? 125 : 200));
      }
    } finally {
      progress?.clear();
      await worker?.close();
      if (queues) await closeQueues(queues);
      await connection.quit();
    }
  },
  format: (s: IngestStatusDoc) => formatIngest(s),
  failure: (s: IngestStatusDoc) =>
    s.status === 'failed'
      ? `Ingest ${s.ingestId} failed: ${s.error ?? 'no reason recorded'}`
      : s.status === 'held'
        ? `Ingest ${s.ingestId} ${s.error ?? 'was held for confirmation.'}`
        : undefined,
};

export function formatIngest(s: IngestStatusDoc): string {
  const lines = [`Ingest ${s.ingestId}: ${s.status}${s.error ? ` — ${s.error}` : ''}`];
  const c = s.counts;
  lines.push(
    `  rows ${c.rows} · accepted ${c.accepted} · unchanged ${c.unchanged} · reversed ${c.reversed} · rejected ${c.rejected} · unattributed ${c.unattributed}`,
  );
  const summary = s.summary as null | {
    marketplace: string | null;
    byKind: Array<{ kind: string; currency: string; entries: number; amountMinor: number }>;
    unattributedTrackingIds: string[];
    unmappedCategories: string[];
    unmatchedLinkCodes?: string[];
    rateCardFallback: string | null;
    estimateAccuracy: Array<{ currency: string; pairs: number; estimatedMinor: number; confirmedMinor: number; differenceMinor: number }>;
  };
  if (summary) {
    if (summary.marketplace) lines.push(`  marketplace ${summary.marketplace}`);
    for (const k of summary.byKind) lines.push(`  new ${k.kind}: ${k.entries} lines, ${formatMoney(k.amountMinor, k.currency)}`);
    for (const a of summary.estimateAccuracy)
      lines.push(
        `  estimates vs confirmed (${a.pairs} items): ${formatMoney(a.estimatedMinor, a.currency)} estimated, ${formatMoney(a.confirmedMinor, a.currency)} confirmed (${a.differenceMinor >= 0 ? '+' : ''}${formatMoney(a.differenceMinor, a.currency)})`,
      );
    if (summary.unattributedTrackingIds.length)
      lines.push(
        `  unregistered tracking IDs: ${summary.unattributedTrackingIds.slice(0, 20).join(', ')}${summary.unattributedTrackingIds.length > 20 ? ', …' : ''}`,
      );
    if (summary.rateCardFallback)
      lines.push(`  no rate card for ${summary.marketplace ?? 'this store'}: pending estimates use the ${summary.rateCardFallback} rates`);
    if (summary.unmappedCategories.length) lines.push(`  categories estimated at the "All Other" rate: ${summary.unmappedCategories.join(', ')}`);
    // Absent from ingests recorded before link codes were read.
    if (summary.unmatchedLinkCodes?.length)
      lines.push(`  link codes credited to no link (unknown, or not the tracking ID owner's): ${summary.unmatchedLinkCodes.join(', ')}`);
  }
  for (const e of (s.rowErrors as Array<{ line: number; sheet?: string | null; message: string }>).slice(0, 20)) lines.push(`  ${e.message}`);
  return lines.join('\n');
}

export const earningsCommand: CliCommand = {
  name: 'earnings',
  summary: 'Confirmed, pending and reversed commission for an influencer or an organisation (as /earnings shows)',
  usage: 'earnings (--handle <handle> | --org <id>) [--period 30d] [--timezone UTC]',
  options: {
    handle: { type: 'string', description: 'influencer handle' },
    org: { type: 'string', description: 'organisation id (all its influencers)', value: 'id' },
    period: { type: 'string', description: PERIOD_USAGE },
    timezone: { type: 'string', description: 'time zone of the period boundaries (default UTC)', value: 'zone' },
  },
  async run(ctx, v) {
    let scope: EarningsScope;
    let who: string;
    if (str(v.handle)) {
      const influencer = await requireInfluencerByHandle(ctx.db, str(v.handle)!);
      scope = { influencerId: influencer.id };
      who = `@${influencer.handle}`;
    } else if (str(v.org) && /^\d+$/.test(str(v.org)!)) {
      scope = { organisationId: Number(v.org) };
      who = `organisation ${String(v.org)}`;
    } else {
      throw new UserError('invalid_input', 'Give --handle <handle> or --org <id>.');
    }
    const period = parsePeriod(str(v.period), str(v.timezone) ?? 'UTC');
    return { who, ...(await earningsSummary(ctx.db, scope, period)) };
  },
  format: (s: Awaited<ReturnType<typeof earningsSummary>> & { who: string }) => {
    const lines = [`Earnings for ${s.who} · ${s.period.label}`];
    if (!s.hasAnyEntries) lines.push('  No earnings have been ingested yet.');
    for (const t of s.totals) {
      const f = (n: number) => formatMoney(n, t.currency);
      lines.push(
        `  ${t.currency}: confirmed ${f(t.confirmed)} · pending ${f(t.pending)} · reversed ${f(t.reversed)}${t.bounty ? ` · bounties ${f(t.bounty)}` : ''} · net ${f(t.net)}`,
      );
    }
    lines.push(`  clicks ${s.clicks.click} · repeat ${s.clicks.repeat} · previews ${s.clicks.preview} · bots ${s.clicks.bot}`);
    if (s.topProducts.length)
      lines.push('  Top products:', ...s.topProducts.map((p) => `    ${formatMoney(p.amount, p.currency).padStart(12)}  ${p.asin}  ${p.name ?? ''}`));
    if (s.byTrackingId.length > 1 || (s.byTrackingId.length === 1 && s.totals.length > 1)) {
      lines.push(
        '  By tracking ID:',
        ...s.byTrackingId.map(
          (t) =>
            `    ${t.trackingId}  ${t.currency}: confirmed ${formatMoney(t.confirmed, t.currency)} · pending ${formatMoney(t.pending, t.currency)} · net ${formatMoney(t.net, t.currency)}`,
        ),
      );
    }
    if (s.linkEarnings.length)
      lines.push(
        '  Commission by link:',
        ...s.linkEarnings.map((l) => `    ${formatMoney(l.amount, l.currency).padStart(12)}  /l/${l.code ?? l.linkId}${l.campaign ? ` (${l.campaign})` : ''}`),
      );
    if (s.topLinks.length)
      lines.push(
        '  Top links:',
        ...s.topLinks.map((l) => `    ${String(l.clicks).padStart(6)} clicks  /l/${l.code}${l.campaign ? ` (${l.campaign})` : ''}  ${l.title ?? l.asin}`),
      );
    return lines.join('\n');
  },
};
