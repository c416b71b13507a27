/**
 * A signed webhook: `POST` of a JSON body, with `sha256=<hex HMAC-SHA256 of the exact body>` in the configured
 * header, the key read from Key Vault. The URL comes from the policy or from a Key Vault secret (URLs often
 * carry their own secret), and is never logged.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { WebhookTarget } from '../../policy/policySchema.js';
import { describeTarget, type HttpClient } from '../httpClient.js';
import type { SecretStore } from '../secrets.js';
import type { CdRunRequest, CdRunStarted, CdTargetAdapter } from './cdTarget.js';
import { assertTargetAccepted } from './targetResponse.js';

/** Sent with every delivery so a receiver can drop repeats of one logical request. */
export const IDEMPOTENCY_HEADER = 'x-aml-warden-delivery';

/** `sha256=` + hex HMAC-SHA256 of the body, as GitHub-style receivers verify it. */
export function signWebhookBody(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;
}

export function webhookBody(request: CdRunRequest): string {
  return JSON.stringify({ eventId: request.eventId, idempotencyKey: request.idempotencyKey, parameters: request.parameters });
}

// A receiver may answer with the run it started; anything else is fine too.
const answerSchema = z
  .object({ runId: z.union([z.string(), z.number()]).transform(String).optional(), id: z.union([z.string(), z.number()]).transform(String).optional(), link: z.string().optional(), url: z.string().optional() })
  .partial();

export interface SignedWebhookTargetDeps {
  readonly http: HttpClient;
  readonly secrets: SecretStore;
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
    const key = await this.#deps.secrets.getSecret(this.#target.signingSecretName);
    const body = webhookBody(request);
    const response = await this.#deps.http.request({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        [this.#target.signatureHeader.toLowerCase()]: signWebhookBody(body, key),
        [IDEMPOTENCY_HEADER]: request.idempotencyKey,
      },
      body,
    });
    assertTargetAccepted(response, this.description, { credentialHint: `check the signing key in Key Vault secret '${this.#target.signingSecretName}' against the receiver's` });
    return readAnswer(response.bodyText);
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
