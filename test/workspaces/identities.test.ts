// An account's stored organisation follows its workspace: when a workspace is moved to another organisation
// (link-server, unlink-server) after the account was first seen, its next command puts the record right.
import { afterAll, describe, expect, it } from 'vitest';
import { resolveIdentity } from '../../src/domain/workspaces/identities.ts';
import { testDb, unique } from '../support/env.ts';

const db = testDb();
afterAll(() => db.destroy());

describe('when a workspace has moved to another organisation since an account was first seen', () => {
  it('then the account is recorded in the new organisation at its next command', async () => {
    const input = { platform: 'discord' as const, workspaceId: unique('G'), userId: unique('U'), platformAdmin: false };
    const first = await resolveIdentity(db, input);
    const moved = await db
      .insertInto('organisations')
      .values({ name: unique('moved') })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.updateTable('discord_guilds').set({ organisation_id: moved.id }).where('guild_id', '=', input.workspaceId).execute();
    const stored = () => db.selectFrom('platform_identities').select('organisation_id').where('id', '=', first.id).executeTakeFirstOrThrow();
    expect((await stored()).organisation_id).toBe(first.organisationId);
    const again = await resolveIdentity(db, input);
    expect(again).toMatchObject({ id: first.id, organisationId: moved.id });
    expect((await stored()).organisation_id).toBe(moved.id);
  });
});
