/**
 * The host's access keys, as Azure Functions keeps them: a master key for the admin API (and everything else), host
 * function keys for HTTP functions of `authLevel: function`, and system keys for extension webhooks. In Azure the Event Grid trigger's endpoint needs its system key — "The endpoint URL contains a
 * system key, which you must obtain from Functions administrator REST APIs"
 * (learn.microsoft.com/azure/azure-functions/event-grid-how-tos):
 * `/runtime/webhooks/eventgrid?functionName={name}&code={systemkey}`; the admin API needs the master key
 * (learn.microsoft.com/azure/azure-functions/function-keys-how-to). The key goes in the `code` query parameter or the
 * `x-functions-key` header.
 *
 * The offline host holds them like Azure does, so a test or a person posting to the webhook without the key is
 * refused as Azure would refuse them.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';

/** The system key of the Event Grid extension's webhook. */
export const EVENT_GRID_SYSTEM_KEY = 'eventgrid_extension';

/** Where `npm start` keeps the app host's keys, under `.aml-warden/dev`. */
export const HOST_KEYS_FILE = 'host-keys.json';

export interface HostKeys {
  readonly masterKey: string;
  /** Host-level function keys by name (`default`): any of them opens every `authLevel: function` HTTP function. */
  readonly functionKeys: Readonly<Record<string, string>>;
  /** By name: `eventgrid_extension`. */
  readonly systemKeys: Readonly<Record<string, string>>;
}

const hostKeysSchema = z.object({
  masterKey: z.string().min(16),
  functionKeys: z.record(z.string(), z.string().min(16)),
  systemKeys: z.record(z.string(), z.string().min(16)),
});

const newKey = (): string => randomBytes(40).toString('base64url');

/** Fresh keys: random, URL-safe, as long as Azure's. */
export function newHostKeys(): HostKeys {
  return { masterKey: newKey(), functionKeys: { default: newKey() }, systemKeys: { [EVENT_GRID_SYSTEM_KEY]: newKey() } };
}

/** The keys kept in `file`, created there on first use so that they stay the same across restarts. */
export function readOrCreateHostKeys(file: string): HostKeys {
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: not a host keys file (${error instanceof Error ? error.message : 'unreadable'}); delete it and a new one is made`);
    }
    const parsed = hostKeysSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${file}: not a host keys file (${parsed.error.issues[0]?.message ?? 'invalid'}); delete it and a new one is made`);
    return parsed.data;
  }
  const keys = newHostKeys();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/** The Event Grid webhook URL of a function on a host at `baseUrl`, with the extension's system key. */
export function eventGridWebhookUrl(baseUrl: string, functionName: string, keys: HostKeys): string {
  return `${baseUrl}/runtime/webhooks/eventgrid?functionName=${encodeURIComponent(functionName)}&code=${encodeURIComponent(keys.systemKeys[EVENT_GRID_SYSTEM_KEY] ?? '')}`;
}

/** The key a request presents: the `code` query parameter, else the `x-functions-key` header. */
export function presentedKey(url: URL, headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-functions-key'];
  return url.searchParams.get('code') ?? (typeof header === 'string' ? header : undefined);
}

/** Whether the presented key is one of the accepted ones, compared in constant time. */
export function isAcceptedKey(presented: string | undefined, accepted: readonly (string | undefined)[]): boolean {
  if (presented === undefined) return false;
  const given = Buffer.from(presented);
  return accepted.some((key) => {
    if (key === undefined) return false;
    const expected = Buffer.from(key);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
