import type { ColumnType, Generated, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface StorefrontsTable {
  id: Generated<number>;
  influencer_id: number;
  title: string | null;
  description: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface StorefrontListsTable {
  id: Generated<number>;
  storefront_id: number;
  name: string;
  position: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

export interface ProductsTable {
  id: Generated<number>;
  marketplace: string;
  asin: string;
  title: string | null;
  image_url: string | null;
  category: string | null;
  price_minor: number | null;
  currency: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface StorefrontItemsTable {
  id: Generated<number>;
  storefront_id: number;
  list_id: number;
  product_id: number;
  note: string | null;
  position: ColumnType<number, number | undefined, number>;
  added_at: CreatedAt;
  // The influencer's own overrides for this item (src/domain/catalogue/overrides.ts).
  title_override: ColumnType<string | null, string | null | undefined, string | null>;
  image_url_override: ColumnType<string | null, string | null | undefined, string | null>;
  price_override_minor: ColumnType<number | null, number | null | undefined, number | null>;
  price_override_currency: ColumnType<string | null, string | null | undefined, string | null>;
  override_updated_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type Storefront = Selectable<StorefrontsTable>;
export type StorefrontList = Selectable<StorefrontListsTable>;
export type ProductRow = Selectable<ProductsTable>;
export type StorefrontItem = Selectable<StorefrontItemsTable>;
