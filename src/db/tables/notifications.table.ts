import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface NotificationPreferencesTable {
  influencer_id: number;
  destination: ColumnType<'dm' | 'channel' | 'off', 'dm' | 'channel' | 'off' | undefined, 'dm' | 'channel' | 'off'>;
  platform: 'slack' | 'discord' | null;
  workspace_id: string | null;
  channel_id: string | null;
  user_id: string | null;
  broken_at: Date | null;
  broken_reason: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface DigestSubscriptionsTable {
  id: Generated<number>;
  organisation_id: number;
  identity_id: number;
  channel_id: string | null;
  local_time: ColumnType<string, string | undefined, string>;
  timezone: ColumnType<string, string | undefined, string>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  last_sent_local_date: string | null;
  /** The first local day it is sent for (a subscription made after that day's time starts the next day). */
  starts_local_date: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export type DeliveryStatus = 'claimed' | 'sent' | 'skipped' | 'failed';

export interface NotificationDeliveriesTable {
  key: string;
  kind: 'commission' | 'digest' | 'catalogue';
  influencer_id: number | null;
  subscription_id: number | null;
  entry_from: number | null;
  entry_to: number | null;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  platform: string | null;
  destination: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  message_id: string | null;
  error: string | null;
  claimed_at: CreatedAt;
  sent_at: Date | null;
}

export interface NotificationCursorsTable {
  influencer_id: number;
  last_entry_id: ColumnType<number, number | undefined, number>;
}
