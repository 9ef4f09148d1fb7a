// Interactivity: our buttons are plain links, but Slack still sends a block_actions payload for each click,
// which must be acknowledged or the person sees a warning.
import type { App } from '@slack/bolt';

export function registerActions(app: App): void {
  app.action(/^link_button_\d+$/, async ({ ack }) => {
    await ack();
  });
}
