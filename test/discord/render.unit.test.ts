// The Discord renderer is pure: a card in, a message payload out, within every Discord limit, and no user text
// able to mention anyone, link anywhere or format anything.
import { describe, expect, it } from 'vitest';
import {
  EPHEMERAL,
  MAX_BUTTON_LABEL,
  MAX_CUSTOM_ID,
  MAX_DESCRIPTION,
  MAX_EMBED_TOTAL,
  MAX_EMBEDS,
  MAX_FIELD_NAME,
  MAX_FIELD_VALUE,
  MAX_FIELDS,
  MAX_FOOTER,
  MAX_TITLE,
  embedsSize,
  escapeMarkdown,
  parseCustomId,
  renderReply,
} from '../../bots/discord/render.ts';
import { visibleText } from './helpers.ts';
import * as C from '../../src/cards/card.ts';

const ZWSP = '\u200B';

function withinLimits(m: ReturnType<typeof renderReply>) {
  expect(m.embeds.length).toBeGreaterThan(0);
  expect(m.embeds.length).toBeLessThanOrEqual(MAX_EMBEDS);
  expect(embedsSize(m.embeds)).toBeLessThanOrEqual(MAX_EMBED_TOTAL);
  for (const e of m.embeds) {
    expect(e.title?.length ?? 0).toBeLessThanOrEqual(MAX_TITLE);
    expect(e.description?.length ?? 0).toBeLessThanOrEqual(MAX_DESCRIPTION);
    expect(e.footer?.text.length ?? 0).toBeLessThanOrEqual(MAX_FOOTER);
    expect(e.fields?.length ?? 0).toBeLessThanOrEqual(MAX_FIELDS);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeGreaterThan(0);
      expect(f.name.length).toBeLessThanOrEqual(MAX_FIELD_NAME);
      expect(f.value.length).toBeGreaterThan(0);
      expect(f.value.length).toBeLessThanOrEqual(MAX_FIELD_VALUE);
    }
  }
  for (const row of m.components) {
    expect(row.components.length).toBeLessThanOrEqual(5);
    for (const b of row.components) expect(b.label!.length).toBeLessThanOrEqual(MAX_BUTTON_LABEL);
  }
  expect(m.allowed_mentions).toEqual({ parse: [] });
}

describe('when a reply is rendered for Discord', () => {
  it('then title, text, fields, list sections, footer and link buttons map onto one embed and a row of link buttons', () => {
    const reply = C.card({ visibility: 'ephemeral', tone: 'success' }, [
      C.header("@maya's storefront"),
      C.text('Ready.'),
      C.fields([C.field('Storefront', 'https://go.test/s/maya'), C.field('Tracking ID', 'maya-20 (amazon.com)', { inline: true })]),
      C.list('Desk setup', [C.line('Desk lamp', { url: 'https://go.test/l/AbCdEf12', detail: 'B0DESK0001 · $19.99' })], { more: 0 }),
      C.links([C.linkButton('Open storefront', 'https://go.test/s/maya')]),
      C.context('Usage: /storefront show'),
    ]);
    const m = renderReply(reply);
    withinLimits(m);
    expect(m.flags).toBe(EPHEMERAL);
    expect(m.content).toBe('');
    expect(m.embeds).toEqual([
      {
        color: 0x57f287,
        title: "@maya's storefront",
        description: '✅ Ready.',
        fields: [
          { name: 'Storefront', value: 'https://go.test/s/maya' },
          { name: 'Tracking ID', value: 'maya\\-20 \\(amazon.com\\)', inline: true },
          { name: 'Desk setup', value: '• [Desk lamp](https://go.test/l/AbCdEf12) — B0DESK0001 · $19.99' },
        ],
        footer: { text: 'Usage: /storefront show' },
      },
    ]);
    expect(m.components).toEqual([{ type: 1, components: [{ type: 2, style: 5, label: 'Open storefront', url: 'https://go.test/s/maya' }] }]);
  });

  it('then a channel reply has no ephemeral flag and an error is marked and red', () => {
    expect(renderReply(C.card({ visibility: 'channel' }, [C.text('hi')])).flags).toBe(0);
    const err = renderReply(
      C.card({ visibility: 'ephemeral', tone: 'error' }, [
        C.text('Missing handle.'),
        C.context('Usage: /storefront setup <handle> <tracking-id> [marketplace]'),
      ]),
    );
    expect(err.embeds[0]).toMatchObject({
      color: 0xed4245,
      description: '❌ **Error:** Missing handle.',
      footer: { text: 'Usage: /storefront setup <handle> <tracking-id> [marketplace]' },
    });
  });

  it('then markdown, mentions and masked links in user text stay literal text', () => {
    const evil =
      '**bold** _it_ ~~s~~ `code` ||spoiler|| > quote # head - item [click](https://evil.example) <@123456789012345678> <@&42> <#42> @everyone @here \\';
    const escaped = escapeMarkdown(evil);
    // Every markdown character is escaped; no mention or role or channel reference can form.
    expect(escaped).not.toMatch(/(^|[^\\])[*_~`|>#[\]()-]/);
    expect(escaped).not.toMatch(/(^|[^\\])<[@#]/);
    expect(escaped).not.toContain('@everyone');
    expect(escaped).not.toContain('@here');
    expect(escaped).toContain(`@${ZWSP}everyone`);
    // And a reader sees exactly what was typed.
    const m = renderReply(
      C.card({ visibility: 'channel' }, [
        C.header(evil),
        C.text(evil),
        C.fields([C.field(evil, evil)]),
        C.list(evil, [C.line(evil, { url: 'https://go.test/l/AbCdEf12', detail: evil })]),
      ]),
    );
    withinLimits(m);
    const seen = visibleText(m);
    expect(seen.split(evil.replace(/\\$/, '')).length - 1).toBeGreaterThanOrEqual(5);
    const link = m.embeds[0]!.fields!.at(-1)!.value;
    expect(link.startsWith('• [')).toBe(true);
    expect(link).toContain('](https://go.test/l/AbCdEf12)');
    // The only masked link is ours: the typed one was escaped.
    expect(link.match(/\]\(https?:/g)).toHaveLength(1);
  });

  it('then our URLs stay whole (an escape inside would break them) while text around them is escaped', () => {
    const text = 'Open https://go.test/s/my_shop-1 now_please';
    expect(escapeMarkdown(text)).toBe('Open https://go.test/s/my_shop-1 now\\_please');
  });

  it('then URLs that are not plainly http(s) never become links or buttons', () => {
    const m = renderReply(
      C.card({ visibility: 'channel' }, [
        C.list('x', [C.line('a', { url: 'javascript:alert(1)' }), C.line('b', { url: 'https://ok.test/a)b' })]),
        C.links([C.linkButton('bad', 'ftp://x'), C.linkButton('good', 'https://ok.test/')]),
      ]),
    );
    expect(m.embeds[0]!.fields![0]!.value).toBe('• a\n• b');
    expect(m.components[0]!.components.map((b) => b.label)).toEqual(['good']);
  });

  it('then long text, many fields, long sections and many buttons are cut to the limits, saying how much was left out', () => {
    const many = C.card({ visibility: 'ephemeral' }, [
      C.header('T'.repeat(400)),
      C.text('x'.repeat(5000)),
      C.fields(Array.from({ length: 40 }, (_, i) => C.field(`Field ${i} ${'n'.repeat(300)}`, 'v'.repeat(2000), { inline: true }))),
      C.list(
        'List',
        Array.from({ length: 100 }, (_, i) =>
          C.line(`Product ${i}`, { url: `https://go.test/l/Code${String(i).padStart(4, '0')}`, detail: 'B000000000 · $1.00' }),
        ),
        { more: 7 },
      ),
      C.links(Array.from({ length: 30 }, (_, i) => C.linkButton(`Button ${i} ${'b'.repeat(100)}`, `https://go.test/${i}`))),
      C.context('f'.repeat(3000)),
    ]);
    const m = renderReply(many);
    withinLimits(m);
    expect(m.embeds[0]!.title).toHaveLength(MAX_TITLE);
    expect(m.embeds[0]!.title!.endsWith('…')).toBe(true);
    expect(m.embeds[0]!.description!.endsWith('…')).toBe(true);
    expect(m.embeds.at(-1)!.footer!.text.endsWith('…')).toBe(true);
    const fields = m.embeds.flatMap((e) => e.fields ?? []);
    // The notice counts the fields left out plus every line of the list that was not shown.
    expect(fields.at(-1)!.value).toMatch(/^…and \d+ more$/);
    const dropped = Number(/(\d+)/.exec(fields.at(-1)!.value)![1]);
    const shownFields = fields.length - 1;
    expect(dropped).toBe(40 - shownFields + 100 + 7);
    expect(m.components.flatMap((r) => r.components)).toHaveLength(25);
    expect(m.components).toHaveLength(5);
  });

  it('then a list longer than a field shows what fits and "…and N more" in the same field', () => {
    const m = renderReply(
      C.card({ visibility: 'ephemeral' }, [
        C.list(
          'Favorites',
          Array.from({ length: 40 }, (_, i) =>
            C.line(`Product number ${i}`, { url: `https://go.test/l/Code${String(i).padStart(4, '0')}`, detail: 'B000000000' }),
          ),
          { more: 3 },
        ),
      ]),
    );
    withinLimits(m);
    const value = m.embeds[0]!.fields![0]!.value;
    const shown = value.split('\n').filter((l) => l.startsWith('•')).length;
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThan(40);
    expect(value.split('\n').at(-1)).toBe(`…and ${40 - shown + 3} more`);
  });

  it('then an empty reply still renders a valid message, and surrogate pairs are never split', () => {
    const empty = renderReply(C.card({ visibility: 'ephemeral' }, []));
    expect(empty.embeds).toEqual([{ color: 0x5865f2, description: ZWSP }]);
    const emoji = renderReply(C.card({ visibility: 'ephemeral' }, [C.header('😀'.repeat(300))]));
    const title = emoji.embeds[0]!.title!;
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE);
    expect(title).toMatch(/^(😀)+…$/u);
  });
});

describe('when a reply with action buttons is rendered for Discord', () => {
  it('then each group is a row of buttons whose custom_id carries the action and its value, styled, before the link buttons', () => {
    const m = renderReply(
      C.card({ visibility: 'ephemeral' }, [
        C.text('2 claims wait for a decision.'),
        C.actions([
          { label: 'Approve #12', actionId: 'claim_approve', value: '12', style: 'primary', group: 'claim-12' },
          { label: 'Refuse #12', actionId: 'claim_refuse', value: '12', style: 'danger', group: 'claim-12' },
          { label: 'Withdraw', actionId: 'claim_withdraw', value: '13', group: 'claim-13' },
        ]),
        C.links([C.linkButton('Open storefront', 'https://go.test/s/maya')]),
      ]),
    );
    withinLimits(m);
    expect(m.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: 'Approve #12', custom_id: 'claim_approve:12' },
          { type: 2, style: 4, label: 'Refuse #12', custom_id: 'claim_refuse:12' },
        ],
      },
      { type: 1, components: [{ type: 2, style: 2, label: 'Withdraw', custom_id: 'claim_withdraw:13' }] },
      { type: 1, components: [{ type: 2, style: 5, label: 'Open storefront', url: 'https://go.test/s/maya' }] },
    ]);
    expect(parseCustomId('claim_refuse:12')).toEqual({ actionId: 'claim_refuse', value: '12' });
  });

  it('then a custom_id over 100 characters or seen before is left out, labels are clipped, and there are never more than 5 rows', () => {
    const m = renderReply(
      C.card({ visibility: 'ephemeral' }, [
        C.actions([
          { label: 'too long', actionId: 'claim_approve', value: 'v'.repeat(MAX_CUSTOM_ID) },
          { label: 'first', actionId: 'claim_approve', value: '1' },
          { label: 'twin', actionId: 'claim_approve', value: '1' },
          { label: 'bad id', actionId: 'claim approve', value: '2' },
          ...Array.from({ length: 30 }, (_, i) => ({
            label: `Button ${i} ${'b'.repeat(100)}`,
            actionId: 'claim_refuse',
            value: String(i),
            group: `g${i % 8}`,
          })),
        ]),
        C.links([C.linkButton('Open', 'https://go.test/s/x')]),
      ]),
    );
    withinLimits(m);
    expect(m.components).toHaveLength(5);
    const ids = m.components.flatMap((r) => r.components.map((b) => ('custom_id' in b ? b.custom_id : b.url)));
    expect(ids[0]).toBe('claim_approve:1');
    expect(ids.every((id) => id !== undefined && id.length <= MAX_CUSTOM_ID)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(JSON.stringify(m.components)).not.toContain('too long');
    expect(JSON.stringify(m.components)).not.toContain('bad id');
    expect(parseCustomId('not ours')).toBeUndefined();
  });
});
