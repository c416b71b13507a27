/**
 * A signed webhook, per the Standard Webhooks spec (standard-webhooks/standard-webhooks `spec/standard-webhooks.md`):
 * `POST` of a JSON body with `webhook-id` (the run's idempotency key: the same on every attempt, so a receiver drops
 * repeats), `webhook-timestamp` (so a captured delivery cannot be replayed later) and `webhook-signature`
 * (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`), signed with the maintained `standardwebhooks` library.
 * The key is a Standard Webhooks secret (`whsec_` + base64) read from Key Vault. The URL comes from the policy or from
 * a Key Vault secret (URLs often carry their own secret), and is never logged.
 *
 * A webhook cannot be asked which runs it started: after an ambiguous failure the same request is sent again with
 * the same `webhook-id`, which a receiver verifying the signature deduplicates.
 */
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { WebhookTarget } from '../../policy/policySchema.js';
import { describeTarget, type HttpClient } from '../http/httpClient.js';
import type { SecretStore } from '../keyvault/secrets.js';
import type { CdRunRequest, CdRunStarted, CdTargetAdapter, RunLookup } from '../../modelCd/ports.js';
import { assertTargetAccepted } from './targetResponse.js';

const STANDARD_WEBHOOKS_SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

export function webhookBody(request: CdRunRequest): string {
  return JSON.stringify({ eventId: request.eventId, idempotencyKey: request.idempotencyKey, parameters: request.parameters });
}

/** The Standard Webhooks headers of one delivery of `body`. */
export function standardWebhookHeaders(secret: string, id: string, timestamp: Date, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
  };
}

// A receiver may answer with the run it started; anything else is fine too.
const answerSchema = z
  .object({ runId: z.union([z.string(), z.number()]).transform(String).optional(), id: z.union([z.string(), z.number()]).transform(String).optional(), link: z.string().optional(), url: z.string().optional() })
  .partial();

export interface SignedWebhookTargetDeps {
  readonly http: HttpClient;
  readonly secrets: SecretStore;
  /** Clock for `webhook-timestamp` (tests). */
  readonly now?: () => Date;
}

export class SignedWebhookCdTarget implements CdTargetAdapter {
  readonly kind = 'webhook';
  readonly description: string;
  readonly #target: WebhookTarget;
  readonly #deps: SignedWebhookTargetDeps;

  constructor(target: WebhookTarget, deps: SignedWebhookTargetDeps) {
    this.#target = target;
    this.#deps = deps;
    this.description =
      target.url !== undefined ? `webhook ${describeTarget(target.url)}` : `webhook (URL in secret ${target.urlSecretName ?? '(none)'})`;
  }

  async startRun(request: CdRunRequest): Promise<CdRunStarted> {
    const url = await this.#url();
    const secret = await this.#deps.secrets.getSecret(this.#target.signingSecretName);
    if (!STANDARD_WEBHOOKS_SECRET.test(secret)) {
      throw new AppError('ConfigurationError', `Key Vault secret '${this.#target.signingSecretName}' is not a Standard Webhooks secret (whsec_ followed by base64)`, {
        target: 'cd.targets.signingSecretName',
        module: 'cd',
      });
    }
    const body = webhookBody(request);
    const response = await this.#deps.http.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...standardWebhookHeaders(secret, request.idempotencyKey, (this.#deps.now ?? (() => new Date()))(), body) },
      body,
    });
    assertTargetAccepted(response, this.description, { credentialHint: `check the signing key in Key Vault secret '${this.#target.signingSecretName}' against the receiver's` });
    return readAnswer(response.bodyText);
  }

  async findRun(): Promise<RunLookup> {
    return { kind: 'unsupported' };
  }

  async #url(): Promise<string> {
    if (this.#target.url !== undefined) return this.#target.url;
    if (this.#target.urlSecretName !== undefined) return this.#deps.secrets.getSecret(this.#target.urlSecretName);
    throw new AppError('ConfigurationError', 'A webhook CD target needs url or urlSecretName', { module: 'cd' });
  }
}

function readAnswer(text: string): CdRunStarted {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { runId: undefined, link: undefined };
  }
  const answer = answerSchema.safeParse(parsed);
  if (!answer.success) return { runId: undefined, link: undefined };
  return { runId: answer.data.runId ?? answer.data.id, link: answer.data.link ?? answer.data.url };
}
