// Each store language's Fee-Earnings and Fee-Orders header row → the columns, and the language told. How sure each
// language's names are is said per language (see src/domain/feeds/reportColumns.ts for the sources):
//   CONFIRMED   it — the header rows of real amazon.it downloads, verbatim;
//   PARTLY      de, sv, pl, pt, es — some names from Amazon's localised help page, the rest inferred;
//               ja — three names from Amazon's Japanese report page, the rest inferred;
//   INFERRED    fr, nl, tr, zh — no public download or help page found: these rows test our guesses only.
import { describe, expect, it } from 'vitest';
import { REQUIRED, mapColumns, requireColumns, typeFromColumns, type Field, type HeaderLanguage } from '../../src/domain/feeds/reportColumns.ts';
import type { ReportType } from '../../src/domain/feeds/types.ts';

type Header = Partial<Record<Field, string>>;

interface Case {
  language: HeaderLanguage;
  how: 'confirmed' | 'partly from help pages' | 'partly from the report page' | 'inferred';
  earnings: Header;
  orders: Header;
}

const CASES: Case[] = [
  {
    language: 'it',
    how: 'confirmed',
    // Verbatim from real amazon.it downloads (with their extra column), in their own order.
    earnings: {
      category: 'Categoria',
      name: 'Prodotto',
      asin: 'ASIN',
      seller: 'Venditore',
      trackingId: 'TrackingID',
      dateShipped: 'Data Spedizione',
      price: 'Prezzo (€)',
      itemsShipped: 'Prodotti spediti',
      returns: 'Resi',
      revenue: 'Ricavi (€)',
      adFees: 'Commissioni pubblicitarie (€)',
      deviceType: 'Tipo di dispositivo',
    },
    orders: {
      category: 'Categoria',
      name: 'Prodotto',
      asin: 'ASIN',
      date: 'Data',
      qty: 'Quantità',
      price: 'Prezzo (€)',
      linkType: 'Tipo di link',
      trackingId: 'Tag',
      indirect: 'Ordini attraverso il link del prodotto',
      deviceType: 'Tipo di dispositivo',
    },
  },
  {
    language: 'de',
    how: 'partly from help pages',
    // help: Artikelbezeichnung, Händler, Preis, Ausgelieferte Artikel, Umsatz, Einnahmen.
    earnings: {
      category: 'Kategorie',
      name: 'Artikelbezeichnung',
      asin: 'ASIN',
      seller: 'Händler',
      trackingId: 'Tracking-ID',
      dateShipped: 'Versanddatum',
      price: 'Preis (€)',
      itemsShipped: 'Ausgelieferte Artikel',
      returns: 'Rücksendungen',
      revenue: 'Umsatz (€)',
      adFees: 'Einnahmen (€)',
      deviceType: 'Gerätetyp',
    },
    orders: {
      category: 'Kategorie',
      name: 'Artikelbezeichnung',
      asin: 'ASIN',
      date: 'Datum',
      qty: 'Menge',
      price: 'Preis (€)',
      linkType: 'Linktyp',
      trackingId: 'Tag',
      indirect: 'Indirekte Verkäufe',
      deviceType: 'Gerätetyp',
    },
  },
  {
    language: 'sv',
    how: 'partly from help pages',
    // help: Artikelnamn, Säljare, Pris, Utskickade artiklar, Intäkter.
    earnings: {
      category: 'Kategori',
      name: 'Artikelnamn',
      asin: 'ASIN',
      seller: 'Säljare',
      trackingId: 'Spårnings-ID',
      dateShipped: 'Leveransdatum',
      price: 'Pris (kr)',
      itemsShipped: 'Utskickade artiklar',
      returns: 'Returer',
      revenue: 'Intäkter (kr)',
      adFees: 'Annonsavgifter (kr)',
      deviceType: 'Enhetstyp',
    },
    orders: {
      category: 'Kategori',
      name: 'Artikelnamn',
      asin: 'ASIN',
      date: 'Datum',
      qty: 'Antal',
      price: 'Pris (kr)',
      linkType: 'Länktyp',
      trackingId: 'Tag',
      indirect: 'Indirekt försäljning',
      deviceType: 'Enhetstyp',
    },
  },
  {
    language: 'pl',
    how: 'partly from help pages',
    // help: Nazwa przedmiotu, Sprzedający, Cena, Wysłane przedmioty, Przychód, Zarobki.
    earnings: {
      category: 'Kategoria',
      name: 'Nazwa przedmiotu',
      asin: 'ASIN',
      seller: 'Sprzedający',
      trackingId: 'Identyfikator śledzenia',
      dateShipped: 'Data wysyłki',
      price: 'Cena (zł)',
      itemsShipped: 'Wysłane przedmioty',
      returns: 'Zwroty',
      revenue: 'Przychód (zł)',
      adFees: 'Zarobki (zł)',
      deviceType: 'Typ urządzenia',
    },
    orders: {
      category: 'Kategoria',
      name: 'Nazwa przedmiotu',
      asin: 'ASIN',
      date: 'Data',
      qty: 'Ilość',
      price: 'Cena (zł)',
      linkType: 'Typ linku',
      trackingId: 'Tag',
      indirect: 'Sprzedaż pośrednia',
      deviceType: 'Typ urządzenia',
    },
  },
  {
    language: 'pt',
    how: 'partly from help pages',
    // help: Preço, Produtos enviados, Receita de produtos enviados, Comissão.
    earnings: {
      category: 'Categoria',
      name: 'Nome do produto',
      asin: 'ASIN',
      seller: 'Vendedor',
      trackingId: 'ID de rastreamento',
      dateShipped: 'Data de envio',
      price: 'Preço (R$)',
      itemsShipped: 'Produtos enviados',
      returns: 'Devoluções',
      revenue: 'Receita de produtos enviados (R$)',
      adFees: 'Comissão (R$)',
      deviceType: 'Tipo de dispositivo',
    },
    orders: {
      category: 'Categoria',
      name: 'Nome do produto',
      asin: 'ASIN',
      date: 'Data',
      qty: 'Quantidade',
      price: 'Preço (R$)',
      linkType: 'Tipo de link',
      trackingId: 'Tag',
      indirect: 'Vendas indiretas',
      deviceType: 'Tipo de dispositivo',
    },
  },
  {
    language: 'es',
    how: 'partly from help pages',
    // help: Nombre del artículo.
    earnings: {
      category: 'Categoría',
      name: 'Nombre del artículo',
      asin: 'ASIN',
      seller: 'Vendedor',
      trackingId: 'ID de seguimiento',
      dateShipped: 'Fecha de envío',
      price: 'Precio (€)',
      itemsShipped: 'Artículos enviados',
      returns: 'Devoluciones',
      revenue: 'Ingresos (€)',
      adFees: 'Comisiones publicitarias (€)',
      deviceType: 'Tipo de dispositivo',
    },
    orders: {
      category: 'Categoría',
      name: 'Nombre del artículo',
      asin: 'ASIN',
      date: 'Fecha',
      qty: 'Cantidad',
      price: 'Precio (€)',
      linkType: 'Tipo de enlace',
      trackingId: 'Tag',
      indirect: 'Ventas indirectas',
      deviceType: 'Tipo de dispositivo',
    },
  },
  {
    language: 'ja',
    how: 'partly from the report page',
    // Amazon's Japanese report page: 発送済み商品 (items shipped), 売上 (revenue), 紹介料 (referral fees), 注文済み商品 (items ordered).
    earnings: {
      category: 'カテゴリー',
      name: '商品名',
      asin: 'ASIN',
      seller: '販売元',
      trackingId: 'トラッキングID',
      dateShipped: '発送日',
      price: '価格(￥)',
      itemsShipped: '発送済み商品',
      returns: '返品数',
      revenue: '売上(￥)',
      adFees: '紹介料(￥)',
      deviceType: 'デバイスタイプ',
    },
    orders: {
      category: 'カテゴリー',
      name: '商品名',
      asin: 'ASIN',
      date: '注文日',
      qty: '注文済み商品',
      price: '価格(￥)',
      linkType: 'リンクタイプ',
      trackingId: 'トラッキングID',
      indirect: '間接販売',
      deviceType: 'デバイスタイプ',
    },
  },
  {
    language: 'fr',
    how: 'inferred',
    earnings: {
      category: 'Catégorie',
      name: 'Nom du produit',
      asin: 'ASIN',
      seller: 'Vendeur',
      trackingId: 'ID de suivi',
      dateShipped: "Date d'expédition",
      price: 'Prix (€)',
      itemsShipped: 'Articles expédiés',
      returns: 'Retours',
      revenue: 'Revenus (€)',
      adFees: 'Frais publicitaires (€)',
      deviceType: "Type d'appareil",
    },
    orders: {
      category: 'Catégorie',
      name: 'Nom du produit',
      asin: 'ASIN',
      date: 'Date de commande',
      qty: 'Quantité',
      price: 'Prix (€)',
      linkType: 'Type de lien',
      trackingId: 'Tag',
      indirect: 'Ventes indirectes',
      deviceType: "Type d'appareil",
    },
  },
  {
    language: 'nl',
    how: 'inferred',
    earnings: {
      category: 'Categorie',
      name: 'Productnaam',
      asin: 'ASIN',
      seller: 'Verkoper',
      trackingId: 'Tracking-ID',
      dateShipped: 'Verzenddatum',
      price: 'Prijs (€)',
      itemsShipped: 'Verzonden artikelen',
      returns: 'Retourzendingen',
      revenue: 'Omzet (€)',
      adFees: 'Advertentiekosten (€)',
      deviceType: 'Apparaattype',
    },
    orders: {
      category: 'Categorie',
      name: 'Productnaam',
      asin: 'ASIN',
      date: 'Besteldatum',
      qty: 'Aantal',
      price: 'Prijs (€)',
      linkType: 'Type link',
      trackingId: 'Tag',
      indirect: 'Indirecte verkopen',
      deviceType: 'Apparaattype',
    },
  },
  {
    language: 'tr',
    how: 'inferred',
    earnings: {
      category: 'Kategori',
      name: 'Ürün adı',
      asin: 'ASIN',
      seller: 'Satıcı',
      trackingId: 'Takip kimliği',
      dateShipped: 'Gönderim tarihi',
      price: 'Fiyat (₺)',
      itemsShipped: 'Gönderilen ürünler',
      returns: 'İadeler',
      revenue: 'Gelir (₺)',
      adFees: 'Reklam ücretleri (₺)',
      deviceType: 'Cihaz türü',
    },
    orders: {
      category: 'Kategori',
      name: 'Ürün adı',
      asin: 'ASIN',
      date: 'Sipariş tarihi',
      qty: 'Miktar',
      price: 'Fiyat (₺)',
      linkType: 'Bağlantı türü',
      trackingId: 'Tag',
      indirect: 'Dolaylı satışlar',
      deviceType: 'Cihaz türü',
    },
  },
  {
    language: 'zh',
    how: 'inferred',
    earnings: {
      category: '類別',
      name: '商品名稱',
      asin: 'ASIN',
      seller: '賣家',
      trackingId: '追蹤 ID',
      dateShipped: '出貨日期',
      price: '價格(￥)',
      itemsShipped: '已出貨商品',
      returns: '退貨',
      revenue: '收入(￥)',
      adFees: '廣告費(￥)',
      deviceType: '裝置類型',
    },
    orders: {
      category: '類別',
      name: '商品名稱',
      asin: 'ASIN',
      date: '訂購日期',
      qty: '數量',
      price: '價格(￥)',
      linkType: '連結類型',
      trackingId: '追蹤 ID',
      indirect: '間接銷售',
      deviceType: '裝置類型',
    },
  },
];

describe('when a report header is in a store language', () => {
  for (const c of CASES) {
    for (const type of ['earnings', 'orders'] as const satisfies readonly ReportType[]) {
      it(`then a ${c.language} (${c.how}) Fee-${type === 'earnings' ? 'Earnings' : 'Orders'} header maps every required column and says ${c.language}`, () => {
        const header = c[type];
        // Fields in the report's order, with an unknown extra column in the middle that must be ignored.
        const cells = REQUIRED[type].map(([f]) => header[f]!);
        cells.splice(3, 0, 'Spalte X');
        const map = mapColumns(cells);
        expect(typeFromColumns(map)).toBe(type);
        expect(() => requireColumns(type, map, 'The report')).not.toThrow();
        for (const [field] of REQUIRED[type]) expect(cells[map.index[field]!], field).toBe(header[field]);
        expect(map.ignored).toEqual(['Spalte X']);
        expect(map.language).toBe(c.language);
      });
    }
  }

  it('then every store language has a case here', () => {
    expect(new Set(CASES.map((c) => c.language))).toEqual(new Set(['it', 'de', 'sv', 'pl', 'pt', 'es', 'ja', 'fr', 'nl', 'tr', 'zh']));
  });

  it('then a missing column of a translated header is named in English, with the language said', () => {
    const cells = REQUIRED.earnings.map(([f]) => CASES.find((c) => c.language === 'ja')!.earnings[f]!).filter((h) => !h.startsWith('紹介料'));
    expect(() => requireColumns('earnings', mapColumns(cells), 'The report')).toThrow(
      'The report: missing required column "Ad Fees" (named in English; this header is in Japanese)',
    );
  });
});
