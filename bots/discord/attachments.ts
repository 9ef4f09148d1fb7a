// A card's chart and files on Discord: the message lists them in `attachments` (id n matches the upload's files[n])
// and the REST call (or a multipart interaction response) carries the bytes. Shared by answers and posted messages.
import type { CardAttachment } from '../../src/cards/card.ts';

/** The message with the `attachments` list Discord matches to the uploaded `files[n]` parts. */
export function withAttachments<T extends object>(message: T, files: readonly CardAttachment[]): T & { attachments?: Array<{ id: number; filename: string }> } {
  return files.length ? { ...message, attachments: files.map((f, i) => ({ id: i, filename: f.name })) } : message;
}

/** The `files` option of a discord.js REST call for them (nothing when there are none). */
export function restFiles(files: readonly CardAttachment[]): { files?: Array<{ name: string; data: Buffer; contentType: string }> } {
  return files.length ? { files: files.map((f) => ({ name: f.name, data: f.data, contentType: f.contentType })) } : {};
}
