// Which store (and so which currency) a report file is from. Reports never say so outright; the clues, strongest
// first, decide:
//   1. opts.marketplace, when the caller knows.
//   2. The Seller column naming a store (`Amazon.ca` → CA): the only clue that tells dollar stores apart.
//   3. The language the header is translated into (`Prezzo`, `Commissioni pubblicitarie` → IT), narrowed by the
//      header's currency where a language has several stores (French: FR in euros, CA in dollars; Spanish: ES, MX).
//   4. A money header's currency other than the shared `$` (`Price(£)` → UK, `(Rs.)` → IN, `(€)` → EUR, as DE).
//   5. Where the file's tracking IDs are registered with us (tracking_ids.marketplace), when the caller can look
//      them up: a Fee-Orders CSV from amazon.ca alone has a `$` header, -20 tags and no Seller column, exactly like
//      one from amazon.com.
//   6. A `$` header → US, the dollar store whose reports carry no Seller evidence otherwise.
//   7. Tracking-ID suffixes: -22 → JP, -20 → US. A bare -21 is UK or any EU store, so it alone decides nothing.
// Clues are gathered over every report in the file, so a workbook's Fee-Orders sheet (no Seller column) follows
// its Fee-Earnings sheet. With no usable clue the file is rejected and the caller must pass a marketplace.
import { UserError } from '../../errors.ts';
import { MARKETPLACES, findMarketplace, marketplaceForHost } from '../amazon/marketplaces.ts';
import type { DecimalMark } from './cellValues.ts';
import { flatCopy } from './limits.ts';
import type { HeaderLanguage } from './reportColumns.ts';
import type { MarketplaceChoice } from './types.ts';

const HEADER_STORE: Record<string, string> = {
  USD: 'US',
  CAD: 'CA',
  GBP: 'UK',
  EUR: 'DE',
  INR: 'IN',
  JPY: 'JP',
  BRL: 'BR',
  MXN: 'MX',
  PLN: 'PL',
  SEK: 'SE',
  TRY: 'TR',
};

/** The stores writing each header language, the main one first (it is chosen when the currency does not narrow). */
const LANGUAGE_STORES: Record<HeaderLanguage, readonly string[]> = {
  de: ['DE'],
  fr: ['FR', 'CA', 'BE'],
  it: ['IT'],
  es: ['ES', 'MX'],
  pt: ['BR'],
  nl: ['NL', 'BE'],
  sv: ['SE'],
  pl: ['PL'],
  tr: ['TR'],
  ja: ['JP'],
  // Associates Central on amazon.co.jp is the one that speaks Traditional Chinese.
  zh: ['JP'],
};

/**
 * The stores whose CSV exports write decimal commas (`12,34`): the continental European ones and Brazil. A report
 * whose own figures do not show which mark it uses falls back to this (readReportFile.ts). Japan has no decimals.
 */
const DECIMAL_COMMA_STORES: ReadonlySet<string> = new Set(['DE', 'FR', 'IT', 'ES', 'NL', 'SE', 'PL', 'TR', 'BR', 'BE']);

export function storeDecimalMark(code: string): DecimalMark {
  return DECIMAL_COMMA_STORES.has(code) ? ',' : '.';
}

export class MarketplaceEvidence {
  private readonly sellers = new Map<string, number>();
  private readonly headers = new Set<string>();
  private readonly suffixes = new Map<string, number>();
  private readonly languages = new Map<HeaderLanguage, number>();
  private readonly trackingIds = new Set<string>();
  private readonly registered = new Map<string, number>();

  addHeaderCurrency(symbol: string | null): void {
    if (symbol) this.headers.add(symbol);
  }

  addHeaderLanguage(language: HeaderLanguage | null): void {
    if (language) this.languages.set(language, (this.languages.get(language) ?? 0) + 1);
  }

  addSeller(text: string): void {
    const m = marketplaceForHost(
      text
        .trim()
        .toLowerCase()
        .replace(/^www\./, ''),
    );
    if (m) this.sellers.set(m.code, (this.sellers.get(m.code) ?? 0) + 1);
  }

  addTrackingId(id: string): void {
    const t = id.trim();
    // Longer is no tracking ID (the row is rejected); kept as a copy, never a slice holding its chunk in memory.
    if (!t || t.length > 128) return;
    if (this.trackingIds.size < MAX_LOOKUP_IDS) this.trackingIds.add(flatCopy(t));
    const m = /-(2\d)$/.exec(t);
    if (m) this.suffixes.set(m[1]!, (this.suffixes.get(m[1]!) ?? 0) + 1);
  }

  /** True once a Seller clue is in: nothing later can outrank it, so probing may stop. */
  get decisive(): boolean {
    return this.sellers.size > 0;
  }

  /**
   * Tracking IDs worth looking up in the registry: those seen, when nothing in the file itself names the store
   * (no Seller, no header language, no currency but the shared `$`). Empty when the file decides on its own.
   */
  get trackingIdsToLookUp(): string[] {
    if (this.sellers.size || this.storeOfLanguage() || [...this.headers].some((h) => h !== '$')) return [];
    return [...this.trackingIds];
  }

  /** Registered marketplaces of tracking IDs in this file (tracking ID → store code). */
  addRegistered(marketplaces: ReadonlyMap<string, string>): void {
    for (const code of marketplaces.values()) if (MARKETPLACES.has(code)) this.registered.set(code, (this.registered.get(code) ?? 0) + 1);
  }

  /** The header language's store, narrowed by the header currency; none when the two contradict each other. */
  private storeOfLanguage(): string | undefined {
    const language = mostFrequent(this.languages);
    if (!language) return undefined;
    const currencies = [...this.headers];
    return LANGUAGE_STORES[language].find((code) => {
      const currency = MARKETPLACES.get(code)!.currency;
      return currencies.every((h) => (h === '$' ? DOLLARS.has(currency) : h === currency));
    });
  }

  resolve(option?: string): MarketplaceChoice {
    if (option !== undefined) {
      const m = findMarketplace(option);
      if (!m) throw new UserError('invalid_input', `Unknown marketplace "${option}" (use a code such as US, CA, UK, DE)`);
      return { code: m.code, currency: m.currency, source: 'option' };
    }
    const seller = mostFrequent(this.sellers);
    if (seller) return choice(seller, 'seller');
    const byLanguage = this.storeOfLanguage();
    if (byLanguage) return choice(byLanguage, 'header-language');
    const specific = [...this.headers].find((h) => h !== '$');
    if (specific) return choice(HEADER_STORE[specific] ?? 'US', 'header');
    const registered = mostFrequent(this.registered);
    if (registered) return choice(registered, 'registered-tracking-id');
    if (this.headers.has('$')) return choice('US', 'header');
    const suffix = mostFrequent(this.suffixes);
    if (suffix === '22') return choice('JP', 'tracking-id');
    if (suffix === '20') return choice('US', 'tracking-id');
    throw new UserError(
      'invalid_input',
      suffix === '21'
        ? 'Cannot tell the store of this report: -21 tracking IDs are used by the UK and the EU stores; pass the marketplace'
        : 'Cannot tell the store of this report (no Seller, currency or tracking-ID clue); pass the marketplace',
    );
  }
}

/** Enough distinct tracking IDs for a registry look-up to outvote a stray one; a report rarely has more. */
const MAX_LOOKUP_IDS = 500;

const DOLLARS: ReadonlySet<string> = new Set(['USD', 'CAD', 'MXN', 'AUD', 'SGD']);

function choice(code: string, source: MarketplaceChoice['source']): MarketplaceChoice {
  const m = MARKETPLACES.get(code)!;
  return { code: m.code, currency: m.currency, source };
}

function mostFrequent<K>(counts: Map<K, number>): K | undefined {
  let best: K | undefined;
  let n = 0;
  for (const [k, v] of counts) {
    if (v > n) {
      best = k;
      n = v;
    }
  }
  return best;
}
