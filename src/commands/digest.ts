// /digest: managers' daily summary of the roster — now, on a schedule, or off; and who else may manage.
import { UserError } from '../errors.ts';
import { parseLocalTime, parseTimeZone, subscribeDigest, unsubscribeDigest } from '../domain/digest/subscriptions.ts';
import { rosterDigest } from '../domain/digest/rosterDigest.ts';
import { setManager } from '../domain/identities.ts';
import { formatMoney } from '../domain/money.ts';
import { successReply } from './replies.ts';
import type { CommandDef, Reply } from './types.ts';

const MAX_ROWS = 20;

export const digestCommand: CommandDef = {
  name: 'digest',
  description: 'Daily earnings digest of your team (managers)',
  subcommands: [
    {
      name: 'now',
      description: 'Show the digest for yesterday and month to date now',
      options: [],
      managerOnly: true,
      async execute(_args, ctx) {
        const tz = ctx.identity.timezone ?? 'UTC';
        const d = await rosterDigest(ctx.db, ctx.identity.organisationId, tz, ctx.now?.());
        const reply: Reply = { visibility: 'ephemeral', title: `Team digest · ${d.date}`, sections: [], footer: `Yesterday in ${tz}; month to date up to the end of yesterday.` };
        if (d.rows.length === 0) {
          reply.text = 'No influencers in your team yet. They join with /storefront setup.';
          return reply;
        }
        const fmt = (n: number, cur: string | null) => (cur ? formatMoney(n, cur) : '—');
        reply.sections!.push({
          title: 'Yesterday · month to date',
          lines: d.rows.slice(0, MAX_ROWS).map((r) => ({
            text: `@${r.handle}`,
            detail: `${fmt(r.yesterday.confirmed, r.currency)} confirmed, ${fmt(r.yesterday.pending, r.currency)} pending, ${r.yesterday.clicks} clicks · MTD ${fmt(r.monthToDate.confirmed, r.currency)} confirmed, ${fmt(r.monthToDate.pending, r.currency)} pending, ${fmt(r.monthToDate.reversed, r.currency)} reversed, ${r.monthToDate.clicks} clicks`,
          })),
          more: Math.max(0, d.rows.length - MAX_ROWS),
        });
        return reply;
      },
    },
    {
      name: 'subscribe',
      description: 'Get the digest every day at a time (default 09:00 in your time zone)',
      managerOnly: true,
      options: [
        { name: 'time', type: 'string', description: 'time of day, HH:MM', maxLength: 5 },
        { name: 'timezone', type: 'string', description: 'IANA time zone, like Europe/Berlin (default: yours)', maxLength: 64 },
      ],
      async execute(args, ctx) {
        const localTime = parseLocalTime(args.time as string | undefined);
        const timezone = parseTimeZone(args.timezone as string | undefined, ctx.identity.timezone);
        await subscribeDigest(ctx.db, { organisationId: ctx.identity.organisationId, identityId: ctx.identity.id, localTime, timezone, channelId: null });
        return successReply(`You will get the team digest every day at ${localTime} (${timezone}) as a direct message.`);
      },
    },
    {
      name: 'off',
      description: 'Stop the daily digest',
      managerOnly: true,
      options: [],
      async execute(_args, ctx) {
        const was = await unsubscribeDigest(ctx.db, ctx.identity.id);
        return successReply(was ? 'Daily digest stopped.' : 'You had no daily digest; nothing changed.');
      },
    },
    {
      name: 'grant',
      description: 'Let a member of this workspace see team figures and digests',
      managerOnly: true,
      options: [{ name: 'user', type: 'user', required: true, description: 'the person to make a manager' }],
      async execute(args, ctx) {
        const user = String(args.user);
        if (user === ctx.identity.userId) throw new UserError('invalid_input', 'You are a manager already.');
        await setManager(ctx.db, ctx.identity, user, true);
        return successReply('They can now see team figures and use /digest.');
      },
    },
    {
      name: 'revoke',
      description: 'Take back manager rights you granted',
      managerOnly: true,
      options: [{ name: 'user', type: 'user', required: true, description: 'the person' }],
      async execute(args, ctx) {
        await setManager(ctx.db, ctx.identity, String(args.user), false);
        return successReply('Manager rights taken back (workspace admins and owners always keep them).');
      },
    },
  ],
};
