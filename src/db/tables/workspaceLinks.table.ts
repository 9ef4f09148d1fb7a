import type { ColumnType, Selectable } from 'kysely';
import type { Platform } from './organisations.table.ts';

/** One-time codes that bind a workspace of the other platform to an organisation (stored hashed). */
export interface WorkspaceLinkCodesTable {
  code: string;
  organisation_id: number;
  /** The manager who asked for the code. */
  identity_id: number;
  expires_at: Date;
  used_at: Date | null;
}

/** The record that a workspace was re-pointed at an organisation with a code. */
export interface WorkspaceLinksTable {
  platform: Platform;
  workspace_id: string;
  organisation_id: number;
  previous_organisation_id: number | null;
  linked_by_identity_id: number | null;
  issued_by_identity_id: number | null;
  linked_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type WorkspaceLink = Selectable<WorkspaceLinksTable>;
