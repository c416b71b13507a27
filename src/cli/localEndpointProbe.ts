/**
 * A quick look, before a command starts, at whether the local endpoints its settings name accept connections at all.
 * The Azure SDK clients retry a refused connection with back-off (the app's ARM client up to six times), which is
 * right against Azure and only slow against a playground that is not running; so the CLI asks the loopback
 * addresses first and fails at once, saying which service and where its address came from. Addresses off this
 * machine are never probed: against Azure the SDKs' retries stand.
 */
import { createConnection } from 'node:net';
import { explainUnreachable } from './endpointHint.js';
import type { SettingsProvenance } from './localSettings.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export interface ProbeOptions {
  /** How long one connection attempt may take before the address counts as reachable (default 1 s): only a refusal fails. */
  readonly timeoutMs?: number;
}

/** The explanation for the first loopback endpoint that refuses connections, or undefined when none does. */
export async function findRefusedLocalEndpoint(provenance: SettingsProvenance, options: ProbeOptions = {}): Promise<string | undefined> {
  const addresses = new Map<string, { host: string; port: number }>();
  for (const endpoint of provenance.endpoints) {
    const url = new URL(endpoint.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!LOOPBACK_HOSTS.has(host.toLowerCase())) continue;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    addresses.set(`${host}:${port}`, { host, port });
  }
  const refusals = await Promise.all([...addresses.values()].map((address) => refusal(address.host, address.port, options.timeoutMs ?? 1_000)));
  const first = refusals.find((error) => error !== undefined);
  return first === undefined ? undefined : explainUnreachable(first, provenance);
}

/** The error of a refused connection, or undefined when the address accepted it (or did not answer in time). */
async function refusal(host: string, port: number, timeoutMs: number): Promise<Error | undefined> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (error: Error | undefined): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNREFUSED' ? error : undefined));
  });
}
