/**
 * What the emulator's service modules share. `server.ts` builds one context per emulator instance
 * and passes it to each module's `mount(router, context)`.
 */
export interface EmulatorContext {
  /** `https://127.0.0.1:PORT` — no trailing slash. */
  readonly baseUrl: string;
  /** Verifies a token minted by the local identity provider for `audience`; returns its principal or an error message. */
  verifyToken(token: string, audience: string): Promise<{ principal: string } | { error: string }>;
  /** Publishes an Event Grid event (Event Grid schema) to the configured subscriptions; fire-and-forget. */
  publishEvent(event: EmulatedEvent): void;
  /** Simulated time source, so tests can age requests and exemptions without sleeping. */
  now(): Date;
}

/** An event in the Event Grid schema, as a system topic would publish it. */
export interface EmulatedEvent {
  readonly id: string;
  readonly topic: string;
  readonly subject: string;
  readonly eventType: string;
  readonly eventTime: string;
  readonly data: Record<string, unknown>;
  readonly dataVersion: string;
  readonly metadataVersion: '1';
}
