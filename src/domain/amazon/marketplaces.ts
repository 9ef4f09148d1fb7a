// Amazon marketplaces we build links for: the store domain suffix, the currency its reports use, and the
// zone their times are in (North American stores report in Pacific time).
export interface Marketplace {
  code: string;
  tld: string;
  currency: string;
  name: string;
  /** Time zone the store's reports write their times in. */
  reportTimeZone: string;
}

const list: Marketplace[] = [
  { code: 'US', tld: 'com', currency: 'USD', name: 'United States', reportTimeZone: 'America/Los_Angeles' },
  { code: 'UK', tld: 'co.uk', currency: 'GBP', name: 'United Kingdom', reportTimeZone: 'Europe/London' },
  { code: 'DE', tld: 'de', currency: 'EUR', name: 'Germany', reportTimeZone: 'Europe/Berlin' },
  { code: 'FR', tld: 'fr', currency: 'EUR', name: 'France', reportTimeZone: 'Europe/Paris' },
  { code: 'IT', tld: 'it', currency: 'EUR', name: 'Italy', reportTimeZone: 'Europe/Rome' },
  { code: 'ES', tld: 'es', currency: 'EUR', name: 'Spain', reportTimeZone: 'Europe/Madrid' },
  { code: 'CA', tld: 'ca', currency: 'CAD', name: 'Canada', reportTimeZone: 'America/Los_Angeles' },
  { code: 'JP', tld: 'co.jp', currency: 'JPY', name: 'Japan', reportTimeZone: 'Asia/Tokyo' },
  { code: 'AU', tld: 'com.au', currency: 'AUD', name: 'Australia', reportTimeZone: 'Australia/Sydney' },
  { code: 'IN', tld: 'in', currency: 'INR', name: 'India', reportTimeZone: 'Asia/Kolkata' },
  { code: 'MX', tld: 'com.mx', currency: 'MXN', name: 'Mexico', reportTimeZone: 'America/Mexico_City' },
  { code: 'BR', tld: 'com.br', currency: 'BRL', name: 'Brazil', reportTimeZone: 'America/Sao_Paulo' },
  { code: 'NL', tld: 'nl', currency: 'EUR', name: 'Netherlands', reportTimeZone: 'Europe/Amsterdam' },
  { code: 'SE', tld: 'se', currency: 'SEK', name: 'Sweden', reportTimeZone: 'Europe/Stockholm' },
  { code: 'PL', tld: 'pl', currency: 'PLN', name: 'Poland', reportTimeZone: 'Europe/Warsaw' },
  { code: 'SG', tld: 'sg', currency: 'SGD', name: 'Singapore', reportTimeZone: 'Asia/Singapore' },
  { code: 'AE', tld: 'ae', currency: 'AED', name: 'United Arab Emirates', reportTimeZone: 'Asia/Dubai' },
  { code: 'SA', tld: 'sa', currency: 'SAR', name: 'Saudi Arabia', reportTimeZone: 'Asia/Riyadh' },
  { code: 'TR', tld: 'com.tr', currency: 'TRY', name: 'Turkey', reportTimeZone: 'Europe/Istanbul' },
  { code: 'BE', tld: 'com.be', currency: 'EUR', name: 'Belgium', reportTimeZone: 'Europe/Brussels' },
  { code: 'EG', tld: 'eg', currency: 'EGP', name: 'Egypt', reportTimeZone: 'Africa/Cairo' },
];

export const MARKETPLACES: ReadonlyMap<string, Marketplace> = new Map(list.map((m) => [m.code, Object.freeze(m)]));
const byHost: ReadonlyMap<string, Marketplace> = new Map(list.map((m) => [`amazon.${m.tld}`, m]));

/** The marketplace of a bare store host (`amazon.co.uk`), or undefined for anything else. */
export function marketplaceForHost(host: string): Marketplace | undefined {
  return byHost.get(host);
}

/** Accepts a code (`UK`, `gb` as an alias), or a domain (`amazon.co.uk`, `co.uk`). */
export function findMarketplace(input: string): Marketplace | undefined {
  const v = input
    .trim()
    .toLowerCase()
    .replace(/^www\./, '');
  const code = v === 'gb' ? 'UK' : v.toUpperCase();
  return MARKETPLACES.get(code) ?? byHost.get(v) ?? byHost.get(`amazon.${v}`);
}

export function requireMarketplace(code: string): Marketplace {
  const m = MARKETPLACES.get(code);
  if (!m) throw new Error(`Unknown marketplace ${code}`);
  return m;
}

/** Minor-unit digits per ISO 4217 for the currencies our marketplaces use. */
export function currencyDigits(currency: string): number {
  return currency === 'JPY' ? 0 : 2;
}
