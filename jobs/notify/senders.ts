// Finds the sender for a destination's platform; platforms that are off have none.
import type { PlatformSender } from '../../src/delivery.ts';
import { DestinationGoneError } from '../../src/delivery.ts';
import type { Destination } from '../../src/domain/notifications/destination.ts';

export type ReconcilingSender = PlatformSender & {
  /** Looks for a message already sent with this key (after an attempt whose outcome is unknown). */
  findSent?(target: { userId?: string; channelId?: string }, key: string): Promise<string | undefined>;
};

export interface Senders {
  slack?: (workspaceId: string) => Promise<ReconcilingSender>;
  discord?: ReconcilingSender;
}

export async function senderFor(senders: Senders, d: Destination): Promise<ReconcilingSender> {
  if (d.platform === 'slack' && senders.slack) return senders.slack(d.workspaceId);
  if (d.platform === 'discord' && senders.discord) return senders.discord;
  throw new DestinationGoneError(`${d.platform === 'slack' ? 'Slack' : 'Discord'} is not configured on this service`);
}

export async function deliver(
  sender: ReconcilingSender,
  d: Destination,
  reply: Parameters<PlatformSender['sendToUser']>[1],
  opts: Parameters<PlatformSender['sendToUser']>[2],
) {
  return d.channelId ? sender.sendToChannel(d.channelId, reply, opts) : sender.sendToUser(d.userId, reply, opts);
}
