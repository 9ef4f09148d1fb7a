// Header cells → our fields. Stores name columns differently (`Price($)`, `Price(Rs.)`, `Tag`, `Orders through
// product links`), and the non-English stores translate them, so matching is by normalised name plus synonyms in
// every store language, and unknown columns are ignored.
import { UserError } from '../../errors.ts';
import { MAX_HEADER_CELL_CHARS, shortText } from './limits.ts';
import type { HeaderLanguage, ReportType } from './types.ts';

export type { HeaderLanguage };

/** Ignored header cells listed in a report's summary; more are counted, not listed. */
const MAX_IGNORED_LISTED = 50;

export const FIELDS = [
  'category',
  'name',
  'asin',
  'seller',
  'trackingId',
  'date',
  'dateShipped',
  'price',
  'qty',
  'itemsShipped',
  'returns',
  'revenue',
  'adFees',
  'linkType',
  'indirect',
  'deviceType',
] as const;
export type Field = (typeof FIELDS)[number];

const SYNONYMS: Record<string, Field> = {
  category: 'category',
  productcategory: 'category',
  name: 'name',
  productname: 'name',
  asin: 'asin',
  seller: 'seller',
  trackingid: 'trackingId',
  tag: 'trackingId',
  date: 'date',
  orderdate: 'date',
  dateshipped: 'dateShipped',
  shippeddate: 'dateShipped',
  price: 'price',
  qty: 'qty',
  quantity: 'qty',
  itemsshipped: 'itemsShipped',
  returns: 'returns',
  revenue: 'revenue',
  adfees: 'adFees',
  linktype: 'linkType',
  indirectsales: 'indirect',
  ordersthroughproductlinks: 'indirect',
  devicetypegroup: 'deviceType',
  devicetype: 'deviceType',
};

export const LANGUAGE_NAMES: Record<HeaderLanguage, string> = {
  de: 'German',
  fr: 'French',
  it: 'Italian',
  es: 'Spanish',
  pt: 'Portuguese',
  nl: 'Dutch',
  sv: 'Swedish',
  pl: 'Polish',
  tr: 'Turkish',
  ja: 'Japanese',
  zh: 'Chinese (Traditional)',
};

/*
 * Translated header names, and how sure we are of each (see also README, "Localised stores"). Marks after a name:
 *   (none, in `it`)  CONFIRMED from real downloads;
 *   help             Amazon's own word for the column in its localised help page on reading the report;
 *   ui               the column's label on Amazon's own report page in that language (not yet seen in a download);
 *   everything else  INFERRED: the words the store uses for the same idea, never seen in a report.
 *
 *  - it  CONFIRMED. A public parser of real amazon.it Associates CSV downloads lists both headers verbatim:
 *        `Categoria,Prodotto,ASIN,Data,Quantità,Prezzo (€),Tipo di link,Tag,Ordini attraverso il link del
 *        prodotto,Tipo di dispositivo` (Fee-Orders) and `Categoria,Prodotto,ASIN,Venditore,TrackingID,Data
 *        Spedizione,Prezzo (€),Prodotti spediti,Resi,Ricavi (€),Commissioni pubblicitarie (€),Tipo di dispositivo,
 *        Acquisto idoneo diretto` (Fee-Earnings); a second, unrelated project's sample of an amazon.it orders CSV
 *        has the same header. The Bounty names (`Nome`) are inferred.
 *  - de, sv, pl, pt (BR), es  PARTLY from Amazon's localised help page on reading the earnings / order report
 *        (partnernet.amazon.de, affiliate-program.amazon.se / .pl, associados.amazon.com.br, afiliados.amazon.es:
 *        /help/node/topic/GCDWWRFEMW3Q2TE2 and GPTZ495QPL6TEZLJ), names marked `help`; the rest inferred. The page
 *        describes the report on screen, so these are Amazon's words, not seen in a download.
 *  - ja  PARTLY from Amazon's Japanese report page (affiliate.amazon.co.jp/home/reports): public scripts that read
 *        that page verbatim show the earnings table's columns `発送済み商品` (items shipped), `売上` (revenue) and
 *        `紹介料` (referral fees, i.e. Ad Fees) and the orders summary `注文済み商品` (items ordered): marked `ui`.
 *        No Japanese download header was found in any public source (parsers, plugins, blog posts): the other
 *        Japanese names, earlier listed as if known, are INFERRED.
 *  - zh  INFERRED. Associates Central on amazon.co.jp also speaks Traditional Chinese (its language menu lists
 *        繁體中文); these are the ordinary Traditional Chinese words for the columns, never seen in a report.
 *  - fr, nl, tr  INFERRED entirely: no public download, parser or help page with their column names was found.
 *  Amazon's Arabic-language stores (AE, SA, EG) were not found to translate report columns; none are listed.
 *
 * A wrong guess costs nothing but a "missing required column" error; it can never map a column to the wrong field,
 * because every name here maps to one field only (checked when this module loads). The tracking ID mostly stays
 * `Tracking ID` / `Tag` in translation (amazon.it keeps `TrackingID` and `Tag`); the translated forms are guesses.
 */
const LOCALISED: Record<HeaderLanguage, Partial<Record<Field, readonly string[]>>> = {
  it: {
    category: ['Categoria'],
    name: ['Prodotto', 'Nome', 'Nome prodotto'],
    seller: ['Venditore'],
    date: ['Data'],
    dateShipped: ['Data Spedizione', 'Data di spedizione'],
    price: ['Prezzo'],
    qty: ['Quantità'],
    itemsShipped: ['Prodotti spediti', 'Articoli spediti'],
    returns: ['Resi'],
    revenue: ['Ricavi'],
    adFees: ['Commissioni pubblicitarie'],
    linkType: ['Tipo di link'],
    indirect: ['Ordini attraverso il link del prodotto'],
    deviceType: ['Tipo di dispositivo'],
  },
  de: {
    category: ['Kategorie', 'Produktkategorie'],
    name: ['Artikelbezeichnung' /* help */, 'Produkt', 'Produktname', 'Artikelname', 'Produkttitel'],
    seller: ['Händler' /* help */, 'Verkäufer'],
    date: ['Datum', 'Bestelldatum'],
    dateShipped: ['Versanddatum', 'Versandt am', 'Datum des Versands'],
    price: ['Preis' /* help */],
    qty: ['Menge', 'Anzahl'],
    itemsShipped: ['Ausgelieferte Artikel' /* help */, 'Versandte Artikel', 'Versendete Artikel', 'Versandte Produkte'],
    returns: ['Rücksendungen', 'Retouren'],
    revenue: ['Umsatz' /* help */],
    adFees: ['Einnahmen' /* help */, 'Werbekostenerstattung', 'Werbekostenerstattungen', 'Werbekosten', 'Provision', 'Provisionen'],
    linkType: ['Linktyp', 'Art des Links'],
    indirect: ['Indirekte Verkäufe', 'Bestellungen über Produktlinks'],
    deviceType: ['Gerätetyp', 'Gerätetypgruppe'],
  },
  fr: {
    category: ['Catégorie'],
    trackingId: ['ID de suivi'],
    name: ['Nom', 'Produit', 'Nom du produit', "Nom de l'article", 'Titre du produit'],
    seller: ['Vendeur'],
    date: ['Date de commande'],
    dateShipped: ["Date d'expédition", 'Date expédition'],
    price: ['Prix'],
    qty: ['Quantité', 'Qté'],
    itemsShipped: ['Articles expédiés', 'Produits expédiés'],
    returns: ['Retours'],
    revenue: ['Revenus', "Chiffre d'affaires"],
    adFees: ['Frais publicitaires', 'Commissions publicitaires', 'Commissions'],
    linkType: ['Type de lien'],
    indirect: ['Ventes indirectes', 'Commandes via des liens produits'],
    deviceType: ["Type d'appareil", "Groupe de types d'appareils"],
  },
  es: {
    category: ['Categoría'],
    trackingId: ['ID de seguimiento'],
    name: ['Nombre del artículo' /* help */, 'Nombre', 'Producto', 'Nombre del producto'],
    seller: ['Vendedor'],
    date: ['Fecha', 'Fecha del pedido'],
    dateShipped: ['Fecha de envío'],
    price: ['Precio'],
    qty: ['Cantidad'],
    itemsShipped: ['Artículos enviados', 'Productos enviados'],
    returns: ['Devoluciones'],
    revenue: ['Ingresos'],
    adFees: ['Comisiones publicitarias', 'Tarifas de publicidad', 'Comisiones'],
    linkType: ['Tipo de enlace'],
    indirect: ['Ventas indirectas', 'Pedidos a través de enlaces de producto'],
    deviceType: ['Tipo de dispositivo'],
  },
  pt: {
    category: ['Categoria'],
    trackingId: ['ID de rastreamento'],
    name: ['Nome', 'Produto', 'Nome do produto'],
    seller: ['Vendedor'],
    date: ['Data'],
    dateShipped: ['Data de envio'],
    price: ['Preço' /* help */],
    qty: ['Quantidade'],
    itemsShipped: ['Produtos enviados' /* help */],
    returns: ['Devoluções'],
    revenue: ['Receita de produtos enviados' /* help */, 'Receita'],
    adFees: ['Comissão' /* help */, 'Comissões'],
    linkType: ['Tipo de link'],
    indirect: ['Vendas indiretas'],
    deviceType: ['Tipo de dispositivo'],
  },
  nl: {
    category: ['Categorie'],
    name: ['Naam', 'Product', 'Productnaam'],
    seller: ['Verkoper'],
    date: ['Datum', 'Besteldatum'],
    dateShipped: ['Verzenddatum'],
    price: ['Prijs'],
    qty: ['Aantal'],
    itemsShipped: ['Verzonden artikelen'],
    returns: ['Retouren', 'Retourzendingen'],
    revenue: ['Omzet'],
    adFees: ['Advertentiekosten', 'Commissie'],
    linkType: ['Linktype', 'Type link'],
    indirect: ['Indirecte verkopen'],
    deviceType: ['Apparaattype'],
  },
  sv: {
    category: ['Kategori'],
    trackingId: ['Spårnings-ID'],
    name: ['Artikelnamn' /* help */, 'Namn'],
    seller: ['Säljare' /* help */],
    date: ['Datum'],
    dateShipped: ['Leveransdatum', 'Utskicksdatum', 'Skickat datum'],
    price: ['Pris' /* help */],
    qty: ['Antal'],
    itemsShipped: ['Utskickade artiklar' /* help */, 'Skickade artiklar'],
    returns: ['Returer'],
    revenue: ['Intäkter' /* help */],
    adFees: ['Annonsavgifter', 'Provision'],
    linkType: ['Länktyp'],
    indirect: ['Indirekt försäljning'],
    deviceType: ['Enhetstyp'],
  },
  pl: {
    category: ['Kategoria'],
    trackingId: ['Identyfikator śledzenia'],
    name: ['Nazwa przedmiotu' /* help */, 'Nazwa', 'Nazwa produktu'],
    seller: ['Sprzedający' /* help */, 'Sprzedawca'],
    date: ['Data'],
    dateShipped: ['Data wysyłki'],
    price: ['Cena' /* help */],
    qty: ['Ilość'],
    itemsShipped: ['Wysłane przedmioty' /* help */, 'Wysłane produkty'],
    returns: ['Zwroty'],
    revenue: ['Przychód' /* help */],
    adFees: ['Zarobki' /* help */, 'Opłaty reklamowe', 'Prowizja'],
    linkType: ['Typ linku'],
    indirect: ['Sprzedaż pośrednia'],
    deviceType: ['Typ urządzenia'],
  },
  tr: {
    category: ['Kategori'],
    trackingId: ['Takip kimliği'],
    name: ['Ürün adı', 'Ürün'],
    seller: ['Satıcı'],
    date: ['Tarih', 'Sipariş tarihi'],
    dateShipped: ['Gönderim tarihi', 'Kargo tarihi'],
    price: ['Fiyat'],
    qty: ['Miktar', 'Adet'],
    itemsShipped: ['Gönderilen ürünler'],
    returns: ['İadeler'],
    revenue: ['Gelir'],
    adFees: ['Reklam ücretleri', 'Komisyon'],
    linkType: ['Bağlantı türü'],
    indirect: ['Dolaylı satışlar'],
    deviceType: ['Cihaz türü'],
  },
  ja: {
    category: ['カテゴリー', 'カテゴリ'],
    name: ['商品名'],
    seller: ['販売元', '出品者', '販売者'],
    trackingId: ['トラッキングID'],
    date: ['注文日', '日付'],
    dateShipped: ['発送日'],
    price: ['価格'],
    qty: ['注文済み商品' /* ui */, '数量'],
    itemsShipped: ['発送済み商品' /* ui */, '発送数', '発送済み商品数', '発送商品数'],
    returns: ['返品数', '返品'],
    revenue: ['売上' /* ui */, '売上額', '売上金額'],
    adFees: ['紹介料' /* ui */, '紹介料額'],
    linkType: ['リンクタイプ'],
    indirect: ['間接販売'],
    deviceType: ['デバイスタイプ', 'デバイスの種類', 'デバイスタイプグループ'],
  },
  zh: {
    category: ['類別', '類別名稱'],
    name: ['商品名稱', '名稱'],
    seller: ['賣家'],
    trackingId: ['追蹤 ID', '追蹤ID'],
    date: ['日期', '訂購日期'],
    dateShipped: ['出貨日期'],
    price: ['價格'],
    qty: ['數量'],
    itemsShipped: ['已出貨商品', '已出貨商品數'],
    returns: ['退貨'],
    revenue: ['收入', '營收'],
    adFees: ['廣告費', '推薦費'],
    linkType: ['連結類型'],
    indirect: ['間接銷售'],
    deviceType: ['裝置類型'],
  },
};

interface LocalisedName {
  field: Field;
  languages: HeaderLanguage[];
}

/** Normalised translated name → its field and the languages that use it. English names stay language-neutral. */
const LOCALISED_SYNONYMS: ReadonlyMap<string, LocalisedName> = (() => {
  const out = new Map<string, LocalisedName>();
  for (const [lang, fields] of Object.entries(LOCALISED) as Array<[HeaderLanguage, Partial<Record<Field, readonly string[]>>]>) {
    for (const [field, names] of Object.entries(fields) as Array<[Field, readonly string[]]>) {
      for (const name of names) {
        const key = normaliseHeader(name);
        const english = SYNONYMS[key];
        const seen = out.get(key);
        if ((english && english !== field) || (seen && seen.field !== field)) {
          throw new Error(`Header synonym "${name}" (${lang}) maps to two fields`);
        }
        if (english) continue;
        if (seen) seen.languages.push(lang);
        else out.set(key, { field, languages: [lang] });
      }
    }
  }
  return out;
})();

/** Required columns per report (DESIGN.md §3), with the name Amazon's US header uses, for error messages. */
export const REQUIRED: Record<ReportType, ReadonlyArray<readonly [Field, string]>> = {
  orders: [
    ['category', 'Category'],
    ['name', 'Name'],
    ['asin', 'ASIN'],
    ['date', 'Date'],
    ['qty', 'Qty'],
    ['price', 'Price'],
    ['linkType', 'Link Type'],
    ['trackingId', 'Tag'],
    ['indirect', 'Indirect Sales'],
    ['deviceType', 'Device Type Group'],
  ],
  earnings: [
    ['category', 'Category'],
    ['name', 'Name'],
    ['asin', 'ASIN'],
    ['seller', 'Seller'],
    ['trackingId', 'Tracking ID'],
    ['dateShipped', 'Date Shipped'],
    ['price', 'Price'],
    ['itemsShipped', 'Items Shipped'],
    ['returns', 'Returns'],
    ['revenue', 'Revenue'],
    ['adFees', 'Ad Fees'],
    ['deviceType', 'Device Type Group'],
  ],
  bounty: [
    ['name', 'Name'],
    ['dateShipped', 'Date Shipped'],
    ['trackingId', 'Tracking Id'],
    ['qty', 'Quantity'],
    ['adFees', 'Ad Fees'],
  ],
};

const MONEY_FIELDS: ReadonlySet<Field> = new Set(['price', 'revenue', 'adFees']);

/** Where each field sits in a record, and the header text it came from (for messages). */
export interface ColumnMap {
  index: Partial<Record<Field, number>>;
  header: Partial<Record<Field, string>>;
  ignored: string[];
  /** Currency written in the money headers: an ISO code, or `$` which several stores share. */
  headerCurrency: string | null;
  /** The language the header is translated into, when its names say so unambiguously; null for English. */
  language: HeaderLanguage | null;
}

/** `Price(Rs.)` → `price`; `Tracking Id` → `trackingid`. Letters of any script survive for localised headers. */
export function normaliseHeader(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\s*[([][^)\]]*[)\]]\s*$/, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

// The parenthesised suffix of a money header: `($)`, `(Rs.)`, `(£)`, `(€)`, `(CDN$)`, `(USD)`.
const SYMBOLS: Record<string, string> = {
  $: '$',
  us$: 'USD',
  usd: 'USD',
  cdn$: 'CAD',
  c$: 'CAD',
  ca$: 'CAD',
  cad: 'CAD',
  rs: 'INR',
  'rs.': 'INR',
  r$: 'BRL',
  brl: 'BRL',
  mx$: 'MXN',
  mxn: 'MXN',
  zł: 'PLN',
  pln: 'PLN',
  kr: 'SEK',
  sek: 'SEK',
  '₺': 'TRY',
  tl: 'TRY',
  try: 'TRY',
  '₹': 'INR',
  inr: 'INR',
  '£': 'GBP',
  gbp: 'GBP',
  '€': 'EUR',
  eur: 'EUR',
  '¥': 'JPY',
  '￥': 'JPY',
  jpy: 'JPY',
};

export function currencyOfHeader(text: string): string | null {
  const m = /[([]\s*([^)\]]+?)\s*[)\]]\s*$/.exec(text);
  return m ? (SYMBOLS[m[1]!.toLowerCase()] ?? null) : null;
}

export function mapColumns(headerCells: readonly string[]): ColumnMap {
  const map: ColumnMap = { index: {}, header: {}, ignored: [], headerCurrency: null, language: null };
  const votes = new Map<HeaderLanguage, number>();
  let unlisted = 0;
  headerCells.forEach((cell, i) => {
    // No column of Amazon's is named in more than a few words: a longer cell is ignored unread (the patterns below
    // would take quadratic time over a hostile megabyte of spaces).
    const key = cell.length > MAX_HEADER_CELL_CHARS ? '' : normaliseHeader(cell);
    const localised = SYNONYMS[key] ? undefined : LOCALISED_SYNONYMS.get(key);
    const field = SYNONYMS[key] ?? localised?.field;
    if (!field || map.index[field] !== undefined) {
      if (!cell.trim()) return;
      if (map.ignored.length < MAX_IGNORED_LISTED) map.ignored.push(shortText(cell.trim()));
      else unlisted++;
      return;
    }
    map.index[field] = i;
    // Copies: these stay for the whole read (every row error names its column).
    map.header[field] = shortText(cell.trim());
    for (const lang of localised?.languages ?? []) votes.set(lang, (votes.get(lang) ?? 0) + 1);
    if (MONEY_FIELDS.has(field)) map.headerCurrency ??= currencyOfHeader(cell);
  });
  if (unlisted) map.ignored.push(`… and ${unlisted} more`);
  // The language most of the translated names belong to (`Categoria` is Italian and Portuguese, `Prezzo` only
  // Italian); a tie says nothing.
  let best = 0;
  for (const [lang, n] of votes) {
    if (n > best) {
      best = n;
      map.language = lang;
    } else if (n === best) map.language = null;
  }
  return map;
}

/**
 * The report type a header fits when there is no title: the type with the largest share of its required columns
 * present, if that share is at least three quarters (the trends, tracking and clicks sheets stay well below).
 */
export function typeFromColumns(map: ColumnMap): ReportType | null {
  let best: ReportType | null = null;
  let bestShare = 0.75;
  for (const type of Object.keys(REQUIRED) as ReportType[]) {
    const req = REQUIRED[type];
    const share = req.filter(([f]) => map.index[f] !== undefined).length / req.length;
    if (share > bestShare || (share === bestShare && best === null)) {
      best = type;
      bestShare = share;
    }
  }
  return best;
}

/** Rejects the whole report when a required column is absent, naming every missing one. */
export function requireColumns(type: ReportType, map: ColumnMap, where: string): void {
  const missing = REQUIRED[type].filter(([f]) => map.index[f] === undefined).map(([, label]) => label);
  if (missing.length) {
    const list = missing.map((m) => `"${m}"`).join(', ');
    // Named as Amazon's US header names them: a translated store's own word for a column we have never seen is
    // exactly what cannot be known here. The header's language, when recognised, is said.
    const language = map.language ? ` (named in English; this header is in ${LANGUAGE_NAMES[map.language]})` : '';
    throw new UserError('invalid_input', `${where}: missing required column${missing.length > 1 ? 's' : ''} ${list}${language}`);
  }
}
