import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface LinksTable {
  id: Generated<number>;
  code: string;
  influencer_id: number;
  product_id: number;
  tracking_id_id: number;
  campaign: ColumnType<string, string | undefined, string>;
  destination_url: string;
  created_at: CreatedAt;
  disabled_at: Date | null;
}

export type ClickKind = 'click' | 'repeat' | 'preview' | 'bot';
export type DeviceClass = 'mobile' | 'tablet' | 'desktop' | 'unknown';

export interface ClicksTable {
  id: Generated<number>;
  link_id: number;
  clicked_at: Date;
  kind: ClickKind;
  referrer_host: string | null;
  device: DeviceClass;
  country: string | null;
  visitor_hash: string;
  /**
   * The link's influencer's organisation (the distribution key on a sharded Postgres). Null only on clicks from
   * before it was kept, until the click-partitions job fills them (src/domain/clicks/clickOrganisationFill.ts).
   */
  organisation_id: ColumnType<number | null, number | undefined, number>;
}

/** A click batch written (src/domain/clicks/clickBuffer.ts): its id makes a retried batch write nothing twice. */
export interface ClickBatchesTable {
  id: string;
  written_at: Generated<Date>;
}

export type LinkRow = Selectable<LinksTable>;
export type NewClick = Insertable<ClicksTable>;
