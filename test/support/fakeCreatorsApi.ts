// A local stand-in for Amazon's Creators API (point AMAZON_CREATORS_API_URL, or the client's apiUrl, at `url`).
// Serves both token endpoints at their real paths (POST /oauth2/token, a form: version 2.x Cognito; POST
// /auth/o2/token, JSON: version 3.x Login with Amazon) and POST /catalog/v1/getItems (x-marketplace header,
// { partnerTag, itemIds ≤ 10, resources }), answering in the shapes of Amazon's official SDK (see
// src/domain/catalogue/creatorsApi.ts for the sources). Records every call; can expire all tokens (the next call
// gets 401 TokenExpired), deny an account (403 AssociateNotEligible), and answer the next matching calls with a
// failure: a status with a body and headers (429 + Retry-After), a junk body, or no answer at all (a hang).
// Optional, for benchmarks (off unless set): `productFor` answers ASINs never added (generated products), and
// `rateLimit` throttles GetItems per credential with a token bucket (429 ThrottleException + Retry-After past it).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface FakeProduct {
  title?: string;
  brand?: string;
  features?: string[];
  imageUrl?: string;
  /** e.g. 24.99 */
  price?: number;
  currency?: string;
  availability?: string;
  /** OffersV2 availability type (default IN_STOCK), e.g. OUT_OF_STOCK; set without a price for a listing that has none. */
  availabilityType?: string;
}

export interface FakeCreatorsCall {
  path: string;
  auth: string | undefined;
  marketplace: string | undefined;
  body: Record<string, unknown> | undefined;
  status: number;
}

export interface FakeCreatorsFailure {
  path?: RegExp;
  status?: number;
  body?: unknown;
  /** Sent as is (junk); overrides body. */
  raw?: string;
  headers?: Record<string, string>;
  /** Never answer (the client's timeout fires). */
  hang?: boolean;
  times?: number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

export class FakeCreatorsApi {
  readonly calls: FakeCreatorsCall[] = [];
  /** Credential id → secret. */
  readonly credentials = new Map<string, string>();
  /** Credential ids whose Associates account has no API access. */
  readonly denied = new Set<string>();
  /** `${marketplace host}|${ASIN}` → product. */
  private readonly products = new Map<string, FakeProduct>();
  private readonly tokens = new Map<string, string>();
  private readonly failures: Array<FakeCreatorsFailure & { left: number }> = [];
  private readonly hanging: ServerResponse[] = [];
  tokenTtlSeconds = 3600;
  /** Products for ASINs not added with addProduct (a benchmark's 100,000); undefined: the ASIN is unknown. */
  productFor: ((asin: string, marketplaceHost: string) => FakeProduct | undefined) | undefined;
  /**
   * GetItems calls allowed per credential: a bucket of `burst` (default 1) requests refilled at `perSecond`. A call
   * finding it empty is answered 429 ThrottleException with Retry-After (whole seconds until the next request is allowed,
   * at least 1) and takes nothing from it. Unset: no limit.
   */
  rateLimit: { perSecond: number; burst?: number } | undefined;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeCreatorsApi> {
    const holder: { fake?: FakeCreatorsApi } = {};
    const server = createServer((req, res) => void holder.fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeCreatorsApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.fake;
  }

  addCredential(id: string, secret: string): void {
    this.credentials.set(id, secret);
  }

  addProduct(asin: string, product: FakeProduct, marketplaceHost = 'www.amazon.com'): void {
    this.products.set(`${marketplaceHost}|${asin}`, product);
  }

  /** Every token issued so far stops working (as if expired). */
  expireTokens(): void {
    this.tokens.clear();
  }

  fail(f: FakeCreatorsFailure): void {
    this.failures.push({ ...f, left: f.times ?? 1 });
  }

  get getItemsCalls(): FakeCreatorsCall[] {
    return this.calls.filter((c) => c.path === '/catalog/v1/getItems');
  }

  get tokenCalls(): FakeCreatorsCall[] {
    return this.calls.filter((c) => c.path.endsWith('/token'));
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const raw = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      body = raw
        ? req.headers['content-type']?.includes('x-www-form-urlencoded')
          ? Object.fromEntries(new URLSearchParams(raw))
          : (JSON.parse(raw) as Record<string, unknown>)
        : undefined;
    } catch {
      body = undefined;
    }
    const call: FakeCreatorsCall = { path, auth: req.headers.authorization, marketplace: req.headers['x-marketplace'] as string | undefined, body, status: 0 };
    this.calls.push(call);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const failure = this.failures.find((f) => f.left > 0 && (!f.path || f.path.test(path)));
    if (failure) {
      failure.left -= 1;
      if (failure.hang) {
        call.status = -1;
        this.hanging.push(res);
        return;
      }
      return send(failure.status ?? 200, failure.raw ?? failure.body ?? {}, failure.headers);
    }
    if (req.method === 'POST' && (path === '/oauth2/token' || path === '/auth/o2/token')) return this.token(path, body, send);
    if (req.method === 'POST' && path === '/catalog/v1/getItems') return this.getItems(call, body, send);
    send(404, { message: 'Not found' });
  }

  private token(path: string, body: Record<string, unknown> | undefined, send: (s: number, p: unknown) => void): void {
    const scope = path === '/auth/o2/token' ? 'creatorsapi::default' : 'creatorsapi/default';
    const id = String(body?.client_id ?? '');
    if (body?.grant_type !== 'client_credentials' || body.scope !== scope) return send(400, { error: 'invalid_request' });
    if (!this.credentials.has(id) || this.credentials.get(id) !== body.client_secret) return send(401, { error: 'invalid_client' });
    const token = randomBytes(12).toString('hex');
    this.tokens.set(token, id);
    send(200, { access_token: token, token_type: 'bearer', expires_in: this.tokenTtlSeconds });
  }

  /** Takes a request from the credential's bucket; when it is empty, how long until one is allowed (ms). */
  private overRate(credentialId: string): number | undefined {
    if (!this.rateLimit) return undefined;
    const { perSecond, burst = 1 } = this.rateLimit;
    const now = performance.now();
    let b = this.buckets.get(credentialId);
    if (!b) this.buckets.set(credentialId, (b = { tokens: burst, at: now }));
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) * perSecond) / 1000);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return ((1 - b.tokens) * 1000) / perSecond;
  }

  private getItems(
    call: FakeCreatorsCall,
    body: Record<string, unknown> | undefined,
    send: (s: number, p: unknown, headers?: Record<string, string>) => void,
  ): void {
    const m = /^Bearer ([0-9a-f]+)(?:, Version (\d\.\d))?$/.exec(call.auth ?? '');
    const credentialId = m ? this.tokens.get(m[1]!) : undefined;
    if (!credentialId)
      return send(401, {
        type: 'UnauthorizedException',
        message: 'The access token has expired or is invalid',
        reason: m ? 'TokenExpired' : 'MissingCredential',
      });
    if (this.denied.has(credentialId))
      return send(403, { type: 'AccessDeniedException', message: 'The Associate is not eligible to access the Creators API', reason: 'AssociateNotEligible' });
    const waitMs = this.overRate(credentialId);
    if (waitMs !== undefined)
      return send(429, { type: 'ThrottleException', message: 'Rate exceeded' }, { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
    const ids = body?.itemIds;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 10 || !body?.partnerTag || !call.marketplace) {
      return send(400, {
        type: 'ValidationException',
        message: 'itemIds must hold 1 to 10 items; partnerTag and x-marketplace are required',
        reason: 'FieldValidationFailed',
      });
    }
    const items: unknown[] = [];
    const errors: Array<{ code: string; message: string }> = [];
    for (const asin of ids as string[]) {
      const p = this.products.get(`${call.marketplace}|${asin}`) ?? this.productFor?.(asin, call.marketplace);
      if (!p) {
        errors.push({ code: 'InvalidParameterValue', message: `The ItemId ${asin} provided in the request is invalid.` });
        continue;
      }
      items.push({
        asin,
        detailPageURL: `https://${call.marketplace}/dp/${asin}?tag=${String(body.partnerTag)}`,
        itemInfo: {
          ...(p.title ? { title: { displayValue: p.title, label: 'Title', locale: 'en_US' } } : {}),
          ...(p.brand ? { byLineInfo: { brand: { displayValue: p.brand, label: 'Brand', locale: 'en_US' } } } : {}),
          ...(p.features ? { features: { displayValues: p.features, label: 'Features', locale: 'en_US' } } : {}),
        },
        ...(p.imageUrl
          ? { images: { primary: { large: { url: p.imageUrl, height: 500, width: 500 }, medium: { url: p.imageUrl, height: 160, width: 160 } } } }
          : {}),
        ...(p.price !== undefined || p.availabilityType !== undefined
          ? {
              offersV2: {
                listings: [
                  {
                    isBuyBoxWinner: true,
                    ...(p.price !== undefined ? { price: { money: { amount: p.price, currency: p.currency ?? 'USD', displayAmount: `$${p.price}` } } } : {}),
                    availability: { type: p.availabilityType ?? 'IN_STOCK', message: p.availability ?? 'In Stock' },
                  },
                ],
              },
            }
          : {}),
      });
    }
    if (items.length === 0) return send(400, { type: 'ValidationException', message: errors.map((e) => e.message).join(' '), reason: 'InvalidParameterValue' });
    send(200, { itemsResult: { items }, ...(errors.length ? { errors } : {}) });
  }
}
