import type { ColumnType, Generated, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export type CatalogueState = 'pending' | 'ok' | 'unknown_asin';
/** Whether Amazon still sells the product (link health); null until Amazon said. */
export type CatalogueHealth = 'available' | 'out_of_stock' | 'unavailable';
export type CatalogueAccess = 'unknown' | 'ok' | 'none' | 'refused';

/** What the Creators API last said about one product; overwritten on every fetch (no history). */
export interface CatalogueEntriesTable {
  product_id: number;
  state: ColumnType<CatalogueState, CatalogueState | undefined, CatalogueState>;
  title: string | null;
  brand: string | null;
  /** Feature bullets (a JSON array of strings). */
  features: ColumnType<string[] | null, string | null | undefined, string | null>;
  image_url: string | null;
  price_minor: number | null;
  currency: string | null;
  availability: string | null;
  fetched_at: Date | null;
  /** The credential key ('org:<id>' or 'env') that fetched it. */
  fetched_with: string | null;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_attempt_at: Date | null;
  last_error: string | null;
  updated_at: UpdatedAt;
  health: ColumnType<CatalogueHealth | null, CatalogueHealth | null | undefined, CatalogueHealth | null>;
  health_changed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** A product of an influencer's storefront that stopped being buyable; notice_key: the notification that told them. */
export interface CatalogueHealthAlertsTable {
  id: Generated<number>;
  influencer_id: number;
  product_id: number;
  health: 'out_of_stock' | 'unavailable';
  notice_key: string | null;
  created_at: CreatedAt;
}

/** Creators API credentials ('org:<id>', secret sealed) or the operator's ('env', secret in the environment), with access state. */
export interface CatalogueCredentialsTable {
  key: string;
  organisation_id: number | null;
  credential_id: string | null;
  credential_secret: string | null;
  version: string | null;
  partner_tag: string | null;
  access: ColumnType<CatalogueAccess, CatalogueAccess | undefined, CatalogueAccess>;
  access_reason: string | null;
  access_since: Date | null;
  retry_at: Date | null;
  throttled_until: Date | null;
  status_message: string | null;
  status_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type CatalogueEntry = Selectable<CatalogueEntriesTable>;
export type CatalogueCredential = Selectable<CatalogueCredentialsTable>;
