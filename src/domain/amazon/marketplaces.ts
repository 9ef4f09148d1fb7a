// Amazon marketplaces we build links for: the store domain suffix and the currency its reports use.
export interface Marketplace {
  code: string;
  tld: string;
  currency: string;
  name: string;
}

const list: Marketplace[] = [
  { code: 'US', tld: 'com', currency: 'USD', name: 'United States' },
  { code: 'UK', tld: 'co.uk', currency: 'GBP', name: 'United Kingdom' },
  { code: 'DE', tld: 'de', currency: 'EUR', name: 'Germany' },
  { code: 'FR', tld: 'fr', currency: 'EUR', name: 'France' },
  { code: 'IT', tld: 'it', currency: 'EUR', name: 'Italy' },
  { code: 'ES', tld: 'es', currency: 'EUR', name: 'Spain' },
  { code: 'CA', tld: 'ca', currency: 'CAD', name: 'Canada' },
  { code: 'JP', tld: 'co.jp', currency: 'JPY', name: 'Japan' },
  { code: 'AU', tld: 'com.au', currency: 'AUD', name: 'Australia' },
  { code: 'IN', tld: 'in', currency: 'INR', name: 'India' },
  { code: 'MX', tld: 'com.mx', currency: 'MXN', name: 'Mexico' },
  { code: 'BR', tld: 'com.br', currency: 'BRL', name: 'Brazil' },
  { code: 'NL', tld: 'nl', currency: 'EUR', name: 'Netherlands' },
  { code: 'SE', tld: 'se', currency: 'SEK', name: 'Sweden' },
  { code: 'PL', tld: 'pl', currency: 'PLN', name: 'Poland' },
  { code: 'SG', tld: 'sg', currency: 'SGD', name: 'Singapore' },
  { code: 'AE', tld: 'ae', currency: 'AED', name: 'United Arab Emirates' },
  { code: 'SA', tld: 'sa', currency: 'SAR', name: 'Saudi Arabia' },
  { code: 'TR', tld: 'com.tr', currency: 'TRY', name: 'Turkey' },
  { code: 'BE', tld: 'com.be', currency: 'EUR', name: 'Belgium' },
  { code: 'EG', tld: 'eg', currency: 'EGP', name: 'Egypt' },
];

export const MARKETPLACES: ReadonlyMap<string, Marketplace> = new Map(list.map((m) => [m.code, Object.freeze(m)]));
const byHost: ReadonlyMap<string, Marketplace> = new Map(list.map((m) => [`amazon.${m.tld}`, m]));

/** The marketplace of a bare store host (`amazon.co.uk`), or undefined for anything else. */
export function marketplaceForHost(host: string): Marketplace | undefined {
  return byHost.get(host);
}

/** Accepts a code (`UK`, `gb` as an alias), or a domain (`amazon.co.uk`, `co.uk`). */
export function findMarketplace(input: string): Marketplace | undefined {
  const v = input.trim().toLowerCase().replace(/^www\./, '');
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
