// Escaping for everything user-supplied that lands in HTML text or attribute values, and the security headers every
// HTML page of ours is sent with.
import { createHash } from 'node:crypto';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Tagged template: interpolations are escaped unless wrapped with raw(). */
export class RawHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export const raw = (html: string) => new RawHtml(html);

export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new RawHtml(out);
}

function render(v: unknown): string {
  if (v instanceof RawHtml) return v.html;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

const MESSAGE_CSS =
  'body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f6f7f9;color:#1b1f24}main{max-width:32rem;padding:2rem;text-align:center}h1{font-size:1.5rem}';

/** A page saying one thing (plain text, escaped), optionally with one link of ours (a relative path) to go on. */
export function messagePage(title: string, message: string, next?: { href: string; label: string }): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>${raw(MESSAGE_CSS)}</style>
</head><body><main><h1>${title}</h1><p>${message}</p>${next ? html`<p><a href="${next.href}">${next.label}</a></p>` : ''}</main></body></html>`.html;
}

/**
 * Content-Security-Policy of a page of ours: no script at all, no plugins, forms or frames; its own inline <style>
 * elements allowed by hash (so an injected one would not apply); images from https only (product images and avatars
 * are remote https URLs); never framed by another site.
 */
export function pageCsp(inlineStyles: string[]): string {
  const hashes = inlineStyles.map((css) => `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`);
  return [`default-src 'none'`, `style-src ${hashes.join(' ')}`, `img-src https:`, `base-uri 'none'`, `form-action 'none'`, `frame-ancestors 'none'`].join(
    '; ',
  );
}

/** Headers of every HTML page: its CSP, no MIME sniffing, no framing (X-Frame-Options for older browsers), referrer kept to our origin off-site. */
export function htmlSecurityHeaders(csp: string): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
  });
}

/** For messagePage() pages (404, errors, Slack install results), and the default of every other response. */
export const MESSAGE_PAGE_HEADERS = htmlSecurityHeaders(pageCsp([MESSAGE_CSS]));
