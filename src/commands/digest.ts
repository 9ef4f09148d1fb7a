// /digest: managers' daily summary of the roster — now, on a schedule, or off; and who else may manage.
import { UserError } from '../errors.ts';
import { subscribeDigest, unsubscribeDigest } from '../domain/digest/subscriptions.ts';
import { parseTimeOfDay } from '../domain/common/timeOfDay.ts';
import { parseTimeZoneName } from '../domain/common/timeZoneNames.ts';
import { buildDigest } from '../domain/digest/digestReport.ts';
import { setManager } from '../domain/workspaces/identities.ts';
import { isTimeZone } from '../domain/common/time.ts';
import { digestCard } from '../cards/digest.ts';
import { successCard } from '../cards/status.ts';
import type { CommandDef } from './types.ts';

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
        const tz = ctx.identity.timezone && isTimeZone(ctx.identity.timezone) ? ctx.identity.timezone : 'UTC';
        const report = await buildDigest(ctx.db, ctx.identity.organisationId, { timezone: tz, now: ctx.now?.() ?? new Date() });
        // The same card as the scheduled message, chart and CSV included: each adapter delivers them with its answer.
        return digestCard(report, { baseUrl: ctx.config.PUBLIC_BASE_URL }).reply;
      },
    },
    {
      name: 'subscribe',
      description: 'Get the digest every day at a time (default 09:00 in your time zone)',
      managerOnly: true,
      options: [
        { name: 'time', type: 'string', description: 'time of day, like 9am, 9:30pm or 21:30', maxLength: 12 },
        { name: 'timezone', type: 'string', description: 'time zone: a city, Europe/Berlin or PST (default: yours)', maxLength: 64 },
      ],
      async execute(args, ctx) {
        const localTime = parseTimeOfDay(args.time as string | undefined);
        const timezone = parseTimeZoneName(args.timezone as string | undefined, ctx.identity.timezone);
        await subscribeDigest(ctx.db, {
          organisationId: ctx.identity.organisationId,
          identityId: ctx.identity.id,
          localTime,
          timezone,
          channelId: null,
          now: ctx.now?.(),
        });
        return successCard(`You will get the team digest every day at ${localTime} (${timezone}) as a direct message.`);
      },
    },
    {
      name: 'off',
      description: 'Stop the daily digest',
      managerOnly: true,
      options: [],
      async execute(_args, ctx) {
        const was = await unsubscribeDigest(ctx.db, ctx.identity.id);
        return successCard(was ? 'Daily digest stopped.' : 'You had no daily digest; nothing changed.');
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
        return successCard('They can now see team figures and use /digest.');
      },
    },
    {
      name: 'revoke',
      description: 'Take back manager rights you granted',
      managerOnly: true,
      options: [{ name: 'user', type: 'user', required: true, description: 'the person' }],
      async execute(args, ctx) {
        await setManager(ctx.db, ctx.identity, String(args.user), false);
        return successCard('Manager rights taken back (workspace admins and owners always keep them).');
      },
    },
  ],
};
