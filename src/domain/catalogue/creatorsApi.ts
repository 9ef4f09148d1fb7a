// A client for Amazon's Creators API (the successor of PA-API 5.0, which was switched off in May 2026): GetItems
// only, for at most 10 ASINs per call, with the OAuth2 token cached until just before it expires.
//
// Where the shapes come from (Amazon's own reference pages were not reachable from here):
// - Token: OAuth2 client-credentials. Version 2.x credentials (Cognito) post a form with scope `creatorsapi/default`
//   to creatorsapi.auth.{us-east-1|eu-south-2|us-west-2}.amazoncognito.com/oauth2/token (2.1 NA, 2.2 EU, 2.3 FE);
//   version 3.x credentials (Login with Amazon, issued since February 2026) post JSON with scope
//   `creatorsapi::default` to api.amazon.{com|co.uk|co.jp}/auth/o2/token (3.1, 3.2, 3.3). The answer carries
//   access_token and expires_in (default 3600). Authorization is `Bearer <token>, Version <v>` for 2.x and
//   `Bearer <token>` for 3.x. Source: Amazon's official Python SDK (creatorsapi_python_sdk/auth/oauth2_config.py,
//   oauth2_token_manager.py, api_client.py) as bundled in github.com/sergioteula/python-amazon-paapi; the 2.x header
//   also in github.com/goark/pa-api (auth.go, PR #47 "Migrate PAAPI v5 to Amazon Creators API").
// - GetItems: POST https://creatorsapi.amazon/catalog/v1/getItems with header `x-marketplace: www.amazon.<tld>`,
//   body { partnerTag, itemIds (1..10), resources } in lowerCamelCase; answer { itemsResult: { items }, errors }
//   with items carrying asin, detailPageURL, itemInfo.title.displayValue, itemInfo.byLineInfo.brand.displayValue,
//   itemInfo.features.displayValues, images.primary.{small|medium|large}.url, and offersV2.listings[] with
//   price.money { amount, currency, displayAmount }, availability { type, message }, isBuyBoxWinner.
//   Source: the same SDK (api/default_api.py, models/get_items_request_content.py, item.py, offer_listing_v2.py, …).
// - Errors: 400 ValidationException { message, reason, fieldList }, 401 UnauthorizedException { message, reason:
//   TokenExpired | InvalidToken | … }, 403 AccessDeniedException { message, reason: AssociateNotEligible |
//   AuthorizationFailed | Other }, 404 ResourceNotFoundException, 429 ThrottleException { message }, 500. Partial
//   errors in a 200 are { code, message } (e.g. InvalidItemId, ItemNotFound). Source: the same SDK's models. Not
//   found documented: whether 429 carries Retry-After (honoured when present, as HTTP says) and the exact partial
//   error codes for an unknown ASIN; modelled on PA-API 5.0's GetItems (InvalidParameterValue / ItemNotAccessible
//   naming the ItemId in the message), so any requested ASIN not returned counts as unknown.
// - Access: Amazon grants the API only to accounts with 10 qualified sales in the last 30 days and restores it within
//   about two days of new shipped sales (getaawp.com's Creators API guide): AssociateNotEligible is a normal state.
// The API URL is the operator's (AMAZON_CREATORS_API_URL, for a local fake), like SLACK_API_URL: it is not taken from
// organisations, so the SSRF guard does not apply; a test fake on 127.0.0.1 works as is.
import { z } from 'zod';
import { currencyDigits, requireMarketplace } from '../amazon/marketplaces.ts';
import { parseMinor } from '../common/money.ts';

export const CREDENTIAL_VERSIONS = ['2.1', '2.2', '2.3', '3.1', '3.2', '3.3'] as const;
export type CredentialVersion = (typeof CREDENTIAL_VERSIONS)[number];
export const MAX_ITEMS_PER_REQUEST = 10;
export const DEFAULT_API_URL = 'https://creatorsapi.amazon';

const TOKEN_ENDPOINTS: Record<CredentialVersion, string> = {
  '2.1': 'https://creatorsapi.auth.us-east-1.amazoncognito.com/oauth2/token',
  '2.2': 'https://creatorsapi.auth.eu-south-2.amazoncognito.com/oauth2/token',
  '2.3': 'https://creatorsapi.auth.us-west-2.amazoncognito.com/oauth2/token',
  '3.1': 'https://api.amazon.com/auth/o2/token',
  '3.2': 'https://api.amazon.co.uk/auth/o2/token',
  '3.3': 'https://api.amazon.co.jp/auth/o2/token',
};

// Credentials are regional: x.1 North America, x.2 Europe (with India and the Middle East), x.3 Far East.
const REGION_MARKETPLACES: Record<'1' | '2' | '3', readonly string[]> = {
  '1': ['US', 'CA', 'MX', 'BR'],
  '2': ['UK', 'DE', 'FR', 'IT', 'ES', 'NL', 'BE', 'EG', 'IN', 'PL', 'SA', 'SE', 'TR', 'AE'],
  '3': ['JP', 'SG', 'AU'],
};

export const isCredentialVersion = (v: string): v is CredentialVersion => (CREDENTIAL_VERSIONS as readonly string[]).includes(v);

/** Whether a credential of this version may ask about products of this marketplace. */
export function credentialServes(version: CredentialVersion, marketplace: string): boolean {
  return REGION_MARKETPLACES[version.slice(2) as '1' | '2' | '3'].includes(marketplace);
}

/** The token endpoint: Amazon's for the version, or the fake's (same path) under an API URL override. */
export function tokenEndpoint(version: CredentialVersion, apiUrlOverride?: string): string {
  const real = new URL(TOKEN_ENDPOINTS[version]);
  return apiUrlOverride ? new URL(real.pathname, withSlash(apiUrlOverride)).href : real.href;
}

const withSlash = (u: string) => (u.endsWith('/') ? u : `${u}/`);

export function marketplaceHost(marketplace: string): string {
  return `www.amazon.${requireMarketplace(marketplace).tld}`;
}

export interface CreatorsCredential {
  /** 'org:<id>' or 'env': where its access state is recorded. */
  key: string;
  credentialId: string;
  credentialSecret: string;
  version: CredentialVersion;
  partnerTag: string;
}

export type CreatorsApiFailure =
  /** 429: too many requests; retryAfterMs from Retry-After when Amazon sent one. */
  | 'throttled'
  /** 403 AssociateNotEligible: the account has no API access now (no recent qualifying sales). */
  | 'no_access'
  /** The token endpoint or the API refused the credentials (wrong, revoked, not for this marketplace). */
  | 'refused'
  /** An answer that is not what the API answers (not JSON, wrong shape, an unexpected status). */
  | 'bad_response'
  /** No answer in time, no connection, or Amazon's own 5xx. */
  | 'unreachable';

export class CreatorsApiError extends Error {
  override name = 'CreatorsApiError';
  constructor(
    readonly kind: CreatorsApiFailure,
    message: string,
    readonly retryAfterMs?: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** One product as the catalogue keeps it (URLs only, never image bytes). */
export interface ApiItem {
  asin: string;
  title?: string;
  brand?: string;
  features?: string[];
  imageUrl?: string;
  priceMinor?: number;
  currency?: string;
  availability?: string;
  /** OffersV2 availability type (IN_STOCK, OUT_OF_STOCK, …): link health reads it (linkHealth.ts). */
  availabilityType?: string;
  /** Whether the answer carried any offer listing at all. */
  hasOffers?: boolean;
}

export interface GetItemsResult {
  items: ApiItem[];
  /** Requested ASINs Amazon did not return (unknown, invalid or not accessible through the API). */
  unknown: string[];
}

/** The resources asked for: title, images, byline (brand), features, price and availability. */
export const GET_ITEMS_RESOURCES = [
  'itemInfo.title',
  'itemInfo.byLineInfo',
  'itemInfo.features',
  'images.primary.medium',
  'images.primary.large',
  'offersV2.listings.price',
  'offersV2.listings.availability',
  'offersV2.listings.isBuyBoxWinner',
] as const;

export interface CreatorsApiOptions {
  /** AMAZON_CREATORS_API_URL: replaces https://creatorsapi.amazon and the token endpoint's origin (a local fake). */
  apiUrl?: string | undefined;
  timeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const text = z.object({ displayValue: z.string().optional() }).partial().optional();
const imageSize = z.object({ url: z.string().optional() }).partial().optional();
const itemSchema = z.object({
  asin: z.string(),
  itemInfo: z
    .object({
      title: text,
      byLineInfo: z.object({ brand: text }).partial().optional(),
      features: z
        .object({ displayValues: z.array(z.string()).optional() })
        .partial()
        .optional(),
    })
    .partial()
    .optional(),
  images: z
    .object({ primary: z.object({ small: imageSize, medium: imageSize, large: imageSize }).partial().optional() })
    .partial()
    .optional(),
  offersV2: z
    .object({
      listings: z
        .array(
          z
            .object({
              isBuyBoxWinner: z.boolean().optional(),
              price: z
                .object({ money: z.object({ amount: z.number().optional(), currency: z.string().optional() }).partial().optional() })
                .partial()
                .optional(),
              availability: z.object({ type: z.string().optional(), message: z.string().optional() }).partial().optional(),
            })
            .partial(),
        )
        .optional(),
    })
    .partial()
    .optional(),
});
const getItemsSchema = z.object({
  itemsResult: z
    .object({ items: z.array(itemSchema).optional() })
    .partial()
    .optional(),
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional() })).optional(),
});
const tokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });

const clip = (s: string | undefined, max: number) => {
  const t = s?.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return t ? t.slice(0, max) : undefined;
};

function toItem(raw: z.infer<typeof itemSchema>): ApiItem {
  const listings = raw.offersV2?.listings ?? [];
  const listing = listings.find((l) => l.isBuyBoxWinner) ?? listings[0];
  const money = listing?.price?.money;
  let priceMinor: number | undefined;
  if (money?.amount !== undefined && money.currency && /^[A-Z]{3}$/.test(money.currency)) {
    try {
      priceMinor = parseMinor(money.amount.toFixed(currencyDigits(money.currency)), money.currency);
    } catch {
      priceMinor = undefined;
    }
  }
  const primary = raw.images?.primary;
  const item: ApiItem = { asin: raw.asin.toUpperCase() };
  const title = clip(raw.itemInfo?.title?.displayValue, 300);
  const brand = clip(raw.itemInfo?.byLineInfo?.brand?.displayValue, 100);
  const features = (raw.itemInfo?.features?.displayValues ?? [])
    .map((f) => clip(f, 500))
    .filter((f): f is string => f !== undefined)
    .slice(0, 10);
  const imageUrl = primary?.large?.url ?? primary?.medium?.url ?? primary?.small?.url;
  const availability = clip(listing?.availability?.message ?? listing?.availability?.type, 200);
  if (title) item.title = title;
  if (brand) item.brand = brand;
  if (features.length) item.features = features;
  if (imageUrl) item.imageUrl = imageUrl;
  if (priceMinor !== undefined && priceMinor >= 0) {
    item.priceMinor = priceMinor;
    item.currency = money!.currency!;
  }
  if (availability) item.availability = availability;
  const availabilityType = clip(listing?.availability?.type, 40);
  if (availabilityType) item.availabilityType = availabilityType;
  if (raw.offersV2) item.hasOffers = listings.length > 0;
  return item;
}

/** Retry-After in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.ceil(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class CreatorsApiClient {
  private token: { value: string; expiresAt: number } | undefined;
  private readonly apiBase: string;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(
    readonly credential: CreatorsCredential,
    private readonly opts: CreatorsApiOptions = {},
  ) {
    this.apiBase = withSlash(opts.apiUrl ?? DEFAULT_API_URL);
    this.now = opts.now ?? Date.now;
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** GetItems for up to 10 ASINs of one marketplace. Throws CreatorsApiError; never retries by itself except once on an expired token. */
  async getItems(marketplace: string, asins: string[]): Promise<GetItemsResult> {
    if (asins.length === 0) return { items: [], unknown: [] };
    if (asins.length > MAX_ITEMS_PER_REQUEST) throw new RangeError(`GetItems takes at most ${MAX_ITEMS_PER_REQUEST} ASINs, not ${asins.length}`);
    let res = await this.callGetItems(marketplace, asins, await this.accessToken());
    if (res.status === 401) {
      // An expired or revoked token: one new token, one more try.
      res.body?.cancel().catch(() => undefined);
      this.token = undefined;
      res = await this.callGetItems(marketplace, asins, await this.accessToken());
      if (res.status === 401) {
        const reason = await reasonOf(res);
        throw new CreatorsApiError('refused', `Amazon refused the API token (${reason})`, undefined, reason);
      }
    }
    return this.readGetItems(res, asins);
  }

  private async callGetItems(marketplace: string, asins: string[], token: string): Promise<Response> {
    const v = this.credential.version;
    return this.send(new URL('catalog/v1/getItems', this.apiBase), {
      method: 'POST',
      headers: {
        authorization: v.startsWith('3.') ? `Bearer ${token}` : `Bearer ${token}, Version ${v}`,
        'x-marketplace': marketplaceHost(marketplace),
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
      },
      body: JSON.stringify({ partnerTag: this.credential.partnerTag, itemIds: asins, resources: GET_ITEMS_RESOURCES }),
    });
  }

  private async readGetItems(res: Response, asins: string[]): Promise<GetItemsResult> {
    const requested = new Set(asins.map((a) => a.toUpperCase()));
    const allUnknown = () => ({ items: [], unknown: [...requested] });
    if (res.status === 429) {
      await res.body?.cancel().catch(() => undefined);
      const after = retryAfterMs(res.headers.get('retry-after'), this.now());
      throw new CreatorsApiError('throttled', 'Amazon is throttling requests (429)', after);
    }
    if (res.status === 403) {
      const reason = await reasonOf(res);
      if (reason === 'AssociateNotEligible')
        throw new CreatorsApiError(
          'no_access',
          'The Associates account has no Creators API access (Amazon requires 10 qualified sales in the last 30 days)',
          undefined,
          reason,
        );
      throw new CreatorsApiError('refused', `Amazon denied access (${reason})`, undefined, reason);
    }
    // Nothing found at all (PA-API 5.0 and the SDK's ResourceNotFoundException).
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return allUnknown();
    }
    if (res.status >= 500) {
      await res.body?.cancel().catch(() => undefined);
      throw new CreatorsApiError('unreachable', `Amazon answered ${res.status}`);
    }
    const body = await readJson(res);
    if (res.status === 400) {
      // Every ItemId invalid (PA-API 5.0: InvalidParameterValue naming it): those ASINs are unknown. Anything else is ours to fix.
      const messages = [(body as { message?: unknown } | null)?.message, ...(getItemsSchema.safeParse(body).data?.errors ?? []).map((e) => e.message)];
      const named = [...requested].filter((a) => messages.some((m) => typeof m === 'string' && m.toUpperCase().includes(a)));
      if (named.length > 0) return { items: [], unknown: named };
      throw new CreatorsApiError(
        'bad_response',
        `Amazon rejected the request (400 ${String((body as { reason?: unknown } | undefined)?.reason ?? 'ValidationException')})`,
      );
    }
    if (res.status !== 200) throw new CreatorsApiError('bad_response', `Amazon answered ${res.status}`);
    const parsed = getItemsSchema.safeParse(body);
    if (!parsed.success || (parsed.data.itemsResult === undefined && parsed.data.errors === undefined))
      throw new CreatorsApiError('bad_response', "Amazon's answer was not a GetItems result");
    const items = (parsed.data.itemsResult?.items ?? []).map(toItem).filter((i) => requested.has(i.asin));
    const returned = new Set(items.map((i) => i.asin));
    return { items, unknown: [...requested].filter((a) => !returned.has(a)) };
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt) return this.token.value;
    const { credentialId, credentialSecret, version } = this.credential;
    const lwa = version.startsWith('3.');
    const fields = {
      grant_type: 'client_credentials',
      client_id: credentialId,
      client_secret: credentialSecret,
      scope: lwa ? 'creatorsapi::default' : 'creatorsapi/default',
    };
    const res = await this.send(new URL(tokenEndpoint(version, this.opts.apiUrl)), {
      method: 'POST',
      headers: { 'content-type': lwa ? 'application/json' : 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: lwa ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    });
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      const body = (await readJson(res).catch(() => undefined)) as { error?: unknown } | undefined;
      throw new CreatorsApiError('refused', `Amazon refused the credentials (${typeof body?.error === 'string' ? body.error : res.status})`);
    }
    if (res.status === 429)
      throw new CreatorsApiError('throttled', 'Amazon is throttling token requests (429)', retryAfterMs(res.headers.get('retry-after'), this.now()));
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new CreatorsApiError('unreachable', `Amazon's token endpoint answered ${res.status}`);
    }
    const parsed = tokenSchema.safeParse(await readJson(res));
    if (!parsed.success) throw new CreatorsApiError('bad_response', "Amazon's token endpoint answered without a token");
    const expiresIn = parsed.data.expires_in ?? 3600;
    // Renewed 30 s early (as the SDK does) so a token never expires mid-request.
    this.token = { value: parsed.data.access_token, expiresAt: this.now() + Math.max(expiresIn / 2, expiresIn - 30) * 1000 };
    return this.token.value;
  }

  private async send(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const e = err as Error;
      const what = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : e.message;
      throw new CreatorsApiError('unreachable', `Could not reach Amazon (${url.host}): ${what}`);
    }
  }
}

async function readJson(res: Response): Promise<unknown> {
  let raw: string;
  try {
    raw = await res.text();
  } catch (err) {
    const e = err as Error;
    throw new CreatorsApiError('unreachable', `Amazon's answer was cut off: ${e.name === 'TimeoutError' ? 'no answer in time' : e.message}`);
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new CreatorsApiError('bad_response', `Amazon's answer was not JSON (${res.status})`);
  }
}

/** The `reason` of an error body (UnauthorizedException, AccessDeniedException), or the status. */
async function reasonOf(res: Response): Promise<string> {
  const body = (await readJson(res).catch(() => undefined)) as { reason?: unknown } | undefined;
  return typeof body?.reason === 'string' ? body.reason : String(res.status);
}
