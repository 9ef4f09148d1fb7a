// Makes what would go unnoticed in a test run a failure of the test itself: an error event nobody listened to that
// a library only printed (ioredis prints "[ioredis] Unhandled error event" instead of throwing), an unhandled
// rejection, an uncaught exception. Call in a test file; each test then fails if any of them happened during it.
import { afterEach, beforeEach, expect } from 'vitest';

const PRINTED = /Unhandled error event|Unhandled 'error' event|ERR_UNHANDLED_ERROR/;

export function failOnUnheardErrors(): void {
  const seen: string[] = [];
  const originalError = console.error;
  const onRejection = (reason: unknown) => seen.push(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`);
  const onException = (err: Error, origin: string) => seen.push(`${origin}: ${err?.stack ?? String(err)}`);
  beforeEach(() => {
    seen.length = 0;
    console.error = (...args: unknown[]) => {
      const text = args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(' ');
      if (PRINTED.test(text)) seen.push(text);
      originalError(...args);
    };
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtExceptionMonitor', onException);
  });
  afterEach(() => {
    console.error = originalError;
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtExceptionMonitor', onException);
    expect(seen, 'errors nobody handled').toEqual([]);
  });
}
