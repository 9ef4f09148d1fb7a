// One validation of raw arguments for both platforms: required, types, choices and lengths.
import type { Args, OptionDef } from './types.ts';
import { UsageError } from './textArgs.ts';

export function validateArgs(raw: Args, options: readonly OptionDef[]): Args {
  const out: Args = {};
  for (const o of options) {
    let v = raw[o.name];
    if (typeof v === 'string') v = v.trim();
    if (v === undefined || v === '') {
      if (o.required) throw new UsageError(`Missing ${o.name}: ${o.description}.`);
      continue;
    }
    if (o.type === 'integer') {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isSafeInteger(n)) throw new UsageError(`${o.name} must be a whole number.`);
      out[o.name] = n;
      continue;
    }
    const s = String(v);
    if (o.type === 'user') {
      // Both platforms write a mention as <@ID>, Slack as <@ID|name>, old Discord clients as <@!ID>; adapters may also pass the bare ID.
      const id = /^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$/.exec(s)?.[1] ?? (/^[A-Z0-9]{6,}$|^\d{15,21}$/.test(s) ? s : undefined);
      if (!id) throw new UsageError(`Mention the person with @ (${o.name}).`);
      out[o.name] = id;
      continue;
    }
    if (s.length > (o.maxLength ?? 500)) throw new UsageError(`${o.name} is too long (at most ${o.maxLength ?? 500} characters).`);
    if (o.choices && !o.choices.includes(s.toLowerCase())) throw new UsageError(`${o.name} must be one of: ${o.choices.join(', ')}.`);
    out[o.name] = o.choices ? s.toLowerCase() : s;
  }
  return out;
}
