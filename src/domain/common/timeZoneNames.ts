// Time zones as people type them: an IANA name in any case (europe/berlin), a city (Berlin, new york, Kolkata), or
// an abbreviation that names one zone (PST, JST). Ambiguous ones (IST: India, Ireland or Israel) are refused with
// the choices. The answer is always the IANA name, spelled as the tz database spells it today.
import { UserError } from '../../errors.ts';
import { isTimeZone } from './time.ts';
import { cleanInput } from './timeOfDay.ts';

/** Abbreviations people use for one zone. Standard and daylight forms name the zone, not a fixed offset. */
const ABBREVIATIONS: Record<string, string> = {
  UTC: 'UTC',
  GMT: 'UTC',
  Z: 'UTC',
  ET: 'America/New_York',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  CT: 'America/Chicago',
  CDT: 'America/Chicago',
  MT: 'America/Denver',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  PT: 'America/Los_Angeles',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  AKST: 'America/Anchorage',
  AKDT: 'America/Anchorage',
  HST: 'Pacific/Honolulu',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
  EET: 'Europe/Athens',
  EEST: 'Europe/Athens',
  WET: 'Europe/Lisbon',
  WEST: 'Europe/Lisbon',
  MSK: 'Europe/Moscow',
  JST: 'Asia/Tokyo',
  KST: 'Asia/Seoul',
  SGT: 'Asia/Singapore',
  HKT: 'Asia/Hong_Kong',
  PKT: 'Asia/Karachi',
  NPT: 'Asia/Kathmandu',
  WIB: 'Asia/Jakarta',
  AEST: 'Australia/Sydney',
  AEDT: 'Australia/Sydney',
  ACST: 'Australia/Adelaide',
  ACDT: 'Australia/Adelaide',
  AWST: 'Australia/Perth',
  NZST: 'Pacific/Auckland',
  NZDT: 'Pacific/Auckland',
  BRT: 'America/Sao_Paulo',
};

const AMBIGUOUS: Record<string, string[]> = {
  IST: ['Asia/Kolkata', 'Europe/Dublin', 'Asia/Jerusalem'],
  CST: ['America/Chicago', 'Asia/Shanghai', 'America/Havana'],
  AST: ['America/Halifax', 'Asia/Riyadh'],
  BST: ['Europe/London', 'Asia/Dhaka'],
};

// ICU still answers some zones by their old names; the tz database renamed them.
const RENAMED: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Europe/Kiev': 'Europe/Kyiv',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Asia/Rangoon': 'Asia/Yangon',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'America/Godthab': 'America/Nuuk',
};

const canonical = (zone: string) => RENAMED[zone] ?? zone;

let cities: Map<string, string[]> | undefined;

/** Each zone's city (its last part, `New_York` → `new york`), and the zones named by it. */
function cityIndex(): Map<string, string[]> {
  if (cities) return cities;
  cities = new Map();
  for (const zone of new Set([...Intl.supportedValuesOf('timeZone').map(canonical), ...Object.values(RENAMED)])) {
    const city = zone.split('/').at(-1)!.replace(/_/g, ' ').toLowerCase();
    if (!zone.includes('/')) continue;
    cities.set(city, [...(cities.get(city) ?? []), zone]);
  }
  return cities;
}

/** The IANA zone for what was typed, or the fallback when nothing was. */
export function parseTimeZoneName(raw: string | undefined, fallback: string | null): string {
  const v = cleanInput(raw ?? '');
  if (v === '') return fallback && isTimeZone(fallback) ? canonical(fallback) : 'UTC';
  const upper = v.toUpperCase();
  if (ABBREVIATIONS[upper]) return ABBREVIATIONS[upper];
  const choices = AMBIGUOUS[upper];
  if (choices) throw new UserError('invalid_input', `${upper} names more than one time zone. Say which: ${choices.join(', ')}.`);
  if (v.includes('/') && isTimeZone(v)) return canonical(new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone);
  const named = cityIndex().get(v.replace(/_/g, ' ').toLowerCase());
  if (named?.length === 1) return named[0]!;
  if (named && named.length > 1) throw new UserError('invalid_input', `"${v.slice(0, 40)}" names more than one time zone. Say which: ${named.join(', ')}.`);
  throw new UserError('invalid_input', `"${v.slice(0, 40)}" is not a time zone. Use a city or a name like Europe/Berlin, America/New_York or PST.`);
}
