/**
 * Webhook sinks (`/sink/{name}`): stand-ins for Teams Workflows, Slack incoming webhooks and generic receivers.
 * `POST` records the delivery; `GET` lists them as `{name, count, deliveries}`, oldest first; `DELETE` clears one sink.
 * Teams Workflows answers 202, Slack answers 200 `ok`, anything else 200. A Teams delivery also records how Teams
 * would show its card (`teams`: problems, texts, live links; see `teamsCard.ts`): Workflows accepts any body with
 * 202 and fails later, so a card Teams cannot render, or one that turns a caller's text into a link, shows here.
 *
 * State: one `SinkState` per emulator context (`sinkStateFor(context)`, also returned by `mount`); `reset()` clears all.
 */
import type { EmulatorContext } from './context.js';
import type { EmulatorRequest, Router } from './router.js';
import { teamsCardView, type TeamsCardView } from './teamsCard.js';

export interface SinkDelivery {
  readonly receivedAt: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON when the body was JSON, otherwise its text. */
  readonly body: unknown;
  /** For the `teams` sink: how Teams would show the card. */
  readonly teams?: TeamsCardView;
}

/** Deliveries kept per sink; older ones are dropped so a long `npm start` session stays small. */
const MAX_DELIVERIES_PER_SINK = 1000;

export class SinkState {
  readonly #now: () => Date;
  readonly #deliveries = new Map<string, SinkDelivery[]>();

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  record(name: string, delivery: Omit<SinkDelivery, 'receivedAt'>): SinkDelivery {
    const recorded: SinkDelivery = { receivedAt: this.#now().toISOString(), ...delivery };
    const key = name.toLowerCase();
    const list = [...(this.#deliveries.get(key) ?? []), recorded];
    this.#deliveries.set(key, list.slice(-MAX_DELIVERIES_PER_SINK));
    return recorded;
  }

  deliveries(name: string): SinkDelivery[] {
    return [...(this.#deliveries.get(name.toLowerCase()) ?? [])];
  }

  clear(name: string): void {
    this.#deliveries.delete(name.toLowerCase());
  }

  reset(): void {
    this.#deliveries.clear();
  }
}

const states = new WeakMap<EmulatorContext, SinkState>();

export function sinkStateFor(context: EmulatorContext): SinkState {
  let state = states.get(context);
  if (!state) {
    state = new SinkState(() => context.now());
    states.set(context, state);
  }
  return state;
}

export function mount(router: Router, context: EmulatorContext): SinkState {
  const state = sinkStateFor(context);

  router.add('POST', '/sink/{name}', (request) => {
    const name = request.params.name ?? '';
    const body = bodyOf(request);
    state.record(name, { headers: flatHeaders(request), body, ...(name.toLowerCase() === 'teams' ? { teams: teamsCardView(body) } : {}) });
    switch (name.toLowerCase()) {
      case 'teams':
        return { status: 202 };
      case 'slack':
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
      default:
        return { status: 200, body: { received: true } };
    }
  });

  router.add('GET', '/sink/{name}', (request) => {
    const name = request.params.name ?? '';
    const deliveries = state.deliveries(name);
    return { status: 200, body: { name, count: deliveries.length, deliveries } };
  });

  router.add('DELETE', '/sink/{name}', (request) => {
    state.clear(request.params.name ?? '');
    return { status: 204 };
  });

  return state;
}

function bodyOf(request: EmulatorRequest): unknown {
  const text = request.rawBody.toString('utf8');
  if (/\bjson\b/i.test(request.headers['content-type'] ?? '')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function flatHeaders(request: EmulatorRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
