// Names people read for things the domain keys by code.
import { MARKETPLACES } from '../domain/amazon/marketplaces.ts';

/** "amazon.co.uk" for UK; an unknown code as it is. */
export function marketLabel(code: string): string {
  const m = MARKETPLACES.get(code);
  return m ? `amazon.${m.tld}` : code;
}
