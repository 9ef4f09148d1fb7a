// Who is behind a click: a person, a chat/social unfurler drawing a preview, or another bot.
import { isbot } from 'isbot';
import type { DeviceClass } from '../../db/schema.ts';

// Link-preview fetchers of chat apps and social networks: counted apart, they are not people.
// In-app browsers (Instagram, FBAN, LinkedInApp, Line) are people and deliberately not listed.
const PREVIEW_RE =
  /Slackbot|Slack-ImgProxy|Discordbot|Twitterbot|facebookexternalhit|Facebot|LinkedInBot|^WhatsApp\/|TelegramBot|SkypeUriPreview|MicrosoftPreview|redditbot|Pinterestbot|Embedly|Iframely|vkShare|Mastodon\/|Bluesky Cardyb|Google-PageRenderer|KakaoTalk-Scrap|Snap URL Preview|Viber\/|Iframely/i;

export type Audience = 'human' | 'preview' | 'bot';

export function classifyUserAgent(ua: string | undefined): Audience {
  if (!ua || ua.length < 8) return 'bot';
  if (PREVIEW_RE.test(ua)) return 'preview';
  return isbot(ua) ? 'bot' : 'human';
}

export function deviceClass(ua: string | undefined): DeviceClass {
  if (!ua) return 'unknown';
  if (/iPad|Tablet|PlayBook|Silk|Kindle|Android(?!.*Mobile)/i.test(ua)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android|Windows Phone|BlackBerry|Opera Mini/i.test(ua)) return 'mobile';
  if (/Windows NT|Macintosh|X11|CrOS|Linux/i.test(ua)) return 'desktop';
  return 'unknown';
}

export function referrerHost(referer: string | undefined): string | null {
  if (!referer || referer.length > 2048) return null;
  try {
    const host = new URL(referer).hostname.toLowerCase();
    return host ? host.slice(0, 253) : null;
  } catch {
    return null;
  }
}

export function countryCode(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v && /^[A-Za-z]{2}$/.test(v) && v.toUpperCase() !== 'XX' ? v.toUpperCase() : null;
}
