// /digest now through the real Slack and Discord endpoints (fake platform APIs): the answer carries the same chart
// and CSV as the scheduled message. On Slack the chart is an image block whose signed URL this service serves and
// the CSV a download button (response_url carries no files); on Discord both are attachments of the answer itself,
// the chart shown in the embed. Signed URLs that were forged, altered or have expired are refused.
import { describe, expect, it } from 'vitest';
import { addDays, localDate, zonedTime } from '../../src/domain/common/time.ts';
import { signedFilesFor } from '../../src/http/signedFiles.ts';
import { newGuild } from '../discord/helpers.ts';
import { newTeam } from '../slack/helpers.ts';
import { useBothPlatforms } from '../support/bothPlatforms.ts';
import { unique } from '../support/env.ts';
import { randomAsin } from '../support/fixtures.ts';
import { addClicks, addLedger } from './seed.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Slack shows pictures from https URLs only (bots/slack/render.ts), as a deployed PUBLIC_BASE_URL is.
const { app, onSlack, onDiscord } = useBothPlatforms('xoxb-digest-now', { PUBLIC_BASE_URL: 'https://links.test' });

type Block = { type: string; image_url?: string; alt_text?: string; elements?: Array<{ type: string; url?: string; text?: { text: string } }> };

/** Earnings and clicks yesterday (UTC) for the influencer with this handle, who set up and made a link through a chat. */
async function earnedYesterday(handle: string): Promise<void> {
  const db = app.rt.db;
  const yesterday = addDays(localDate(new Date(), 'UTC'), -1);
  const inf = await db.selectFrom('influencers').select(['id']).where('handle', '=', handle).executeTakeFirstOrThrow();
  await addLedger(db, { influencerId: inf.id, trackingId: `${handle}-20` }, [
    { kind: 'confirmed', amount: 41_200, at: zonedTime(yesterday, 'UTC', 12, 0) },
    { kind: 'pending', amount: 3_500, at: zonedTime(yesterday, 'UTC', 13, 0) },
  ]);
  const link = await db.selectFrom('links').select('id').where('influencer_id', '=', inf.id).executeTakeFirstOrThrow();
  await addClicks(db, link.id, zonedTime(yesterday, 'UTC', 10, 0), 1204);
}

/** The path and query of a URL we handed out, fetched from the running service. */
const fetchFromService = (url: string) => fetch(`${app.rt.url}${new URL(url).pathname}${new URL(url).search}`);

describe('when a Slack manager types /digest now', () => {
  it('then the private answer shows the chart inside the message from a signed URL the service serves, and offers the CSV', async () => {
    const team = newTeam();
    const influencer = team.member();
    const manager = team.member();
    app.slack.setUser(manager.user, { admin: true, tz: 'UTC' });
    const handle = unique('sn');
    await onSlack(influencer, 'storefront', `setup ${handle} ${handle}-20`);
    await onSlack(influencer, 'link', randomAsin());
    await earnedYesterday(handle);

    const { reply, ephemeral, visible } = await onSlack(manager, 'digest', 'now');
    expect(ephemeral).toBe(true);
    expect(visible).toContain('Yesterday (');
    expect(visible).toContain('$412.00 confirmed');
    const blocks = reply.body.blocks as Block[];
    const img = blocks.find((b) => b.type === 'image')!;
    expect(img.image_url).toMatch(/^https:\/\/links\.test\/charts\/[\w-]{22}\.png\?exp=\d+&sig=[\w-]+$/);
    expect(img.alt_text).toContain('by influencer');

    const png = await fetchFromService(img.image_url!);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(0, 8)
        .equals(PNG_SIGNATURE),
    ).toBe(true);

    const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.type === 'button' && e.text?.text.includes('.csv'))!;
    expect(button.url).toMatch(/^https:\/\/links\.test\/exports\/[\w-]{22}\.csv\?exp=\d+&sig=/);
    const csv = await fetchFromService(button.url!);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="digest-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(await csv.text()).toContain(handle);
  });

  it('then a chart URL with a forged or altered signature, or one that has expired, is refused, and a well-signed unknown one is not found', async () => {
    const files = signedFilesFor(app.rt.config, app.rt.cacheRedis);
    const url = await files.put('chart', PNG_SIGNATURE, 'x.png');
    const u = new URL(url);
    const id = u.pathname.split('/').pop()!.replace('.png', '');
    const exp = Number(u.searchParams.get('exp'));

    expect((await fetchFromService(url)).status).toBe(200);
    const forged = `${u.origin}${u.pathname}?exp=${exp}&sig=${'A'.repeat(43)}`;
    expect((await fetchFromService(forged)).status).toBe(403);
    const longer = `${u.origin}${u.pathname}?exp=${exp + 86_400}&sig=${u.searchParams.get('sig')}`;
    expect((await fetchFromService(longer)).status).toBe(403);
    const unsigned = `${u.origin}${u.pathname}`;
    expect((await fetchFromService(unsigned)).status).toBe(403);
    // Signed with the service's key, but expired a second ago.
    const expired = await fetchFromService(files.url('chart', id, Math.floor(Date.now() / 1000) - 1));
    expect([expired.status, await expired.text()]).toEqual([403, 'This link has expired.\n']);
    // Another kind's route does not open it, and a well-signed id we never stored is 404.
    expect((await fetchFromService(url.replace('/charts/', '/exports/').replace('.png', '.csv'))).status).toBe(403);
    expect((await fetchFromService(files.url('chart', 'B'.repeat(22), exp))).status).toBe(404);
  });
});

describe('when a Discord manager types /digest now', () => {
  it('then the private answer carries the chart (shown in the embed) and the CSV as attachments of the answer itself', async () => {
    const guild = newGuild();
    const manager = guild.admin();
    const influencer = guild.member();
    const handle = unique('dn');
    expect((await onDiscord(influencer, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` })).visible).toContain('Storefront created');
    await onDiscord(influencer, 'link', undefined, { product: randomAsin() });
    await earnedYesterday(handle);

    const now = await onDiscord(manager, 'digest', 'now');
    expect(now.ephemeral).toBe(true);
    expect(now.visible).toContain('$412.00 confirmed');
    const embed = (now.message as { embeds: Array<{ image?: { url: string } }> }).embeds[0]!;
    expect(embed.image?.url).toMatch(/^attachment:\/\/digest-\d{4}-\d{2}-\d{2}\.png$/);
    expect((now.message as { attachments?: unknown }).attachments).toEqual(now.files.map((f, i) => ({ id: i, filename: f.name })));
    expect(now.files.map((f) => [f.field, f.contentType])).toEqual([
      ['files[0]', 'image/png'],
      ['files[1]', 'text/csv'],
    ]);
    expect(`attachment://${now.files[0]!.name}`).toBe(embed.image!.url);
    expect(now.files[0]!.data.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(now.files[1]!.data.toString('utf8')).toContain(handle);
  });
});
