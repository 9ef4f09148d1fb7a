// The affiliate networks whose reports and postbacks we take. The label an upload arrives with is checked against
// this list, but it does not decide what a file is: the format is read from the content, and Amazon Associates
// reports are Amazon's lines whatever label they came under, so the same report under two labels is one report.
import { UserError } from '../../errors.ts';

export const NETWORKS = ['amazon', 'awin', 'cj', 'impact', 'partnerize', 'postback', 'rakuten', 'shareasale', 'walmart'] as const;
export type Network = (typeof NETWORKS)[number];

export function isNetwork(raw: string): raw is Network {
  return (NETWORKS as readonly string[]).includes(raw);
}

/** The network named by an upload or a CLI flag, or a clear error listing the ones we take. */
export function requireNetwork(raw: string): Network {
  const v = raw.trim().toLowerCase();
  if (isNetwork(v)) return v;
  throw new UserError('invalid_input', `Unknown network "${raw.slice(0, 40)}". Known networks: ${NETWORKS.join(', ')}.`);
}

/** Amazon's own reports are recorded as Amazon's lines; our JSON-lines feed keeps the network it was sent for. */
export function ledgerNetwork(label: string, isJsonLines: boolean): string {
  return isJsonLines ? label : 'amazon';
}
