// Slack's slash-command text arrives in Slack markup: &, <, > as entities, and (with should_escape) links as
// <url> or <url|typed text>, channels as <#C…|name>, mentions as <@U…|name>. The command core wants the words
// the person typed, with mentions kept in the <@U…> form its `user` option understands.

export function commandTextFromSlack(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^|>\s]+)(?:\|[^>]*)?>/g, (_m, url: string) => url)
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, (_m, name: string) => `#${name}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, (_m, word: string) => `@${word}`)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Slack puts direct messages in channels whose id starts with D (channel_name "directmessage"). */
export function isDirectMessage(channelId: string | undefined, channelName: string | undefined): boolean {
  return channelName === 'directmessage' || (channelId ?? '').startsWith('D');
}
