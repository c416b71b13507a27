import { AppError } from '../../errors.js';
import type { HttpResponse } from '../http/httpClient.js';

const MODULE = 'cd';
const MAX_MESSAGE_LENGTH = 300;

/**
 * Throws the AppError a CD target's answer means when it did not accept the run: 408/429/5xx are transient (the
 * claim is released and Event Grid redelivers), anything else permanent. The target's own error message is kept
 * (shortened) because it is what a person needs to fix a refused run; request headers, which hold credentials, are
 * never included.
 *
 * A refused credential is named with what to check (`credentialHint`): a 401/403 — but a 403 that is a rate limit
 * (GitHub answers its secondary rate limits with 403 and `retry-after` or `x-ratelimit-remaining: 0`) is transient —
 * and, for a target that answers sign-in pages (`signInPage`: Azure DevOps), `203 Non-Authoritative Information` or
 * any HTML page where JSON was expected: what Azure DevOps answers a wrong or expired PAT
 * (MicrosoftDocs/vsts-rest-api-specs #97, #574; microsoft/azure-devops-auth-samples#52).
 *
 * A refusal that names the key parameter (`keyParameter`: Azure DevOps' "Unexpected parameter 'idempotencyKey'",
 * GitHub's "Unexpected inputs provided: [\"idempotency_key\"]") is a configuration error of the pipeline or workflow,
 * and says what to declare.
 */
export function assertTargetAccepted(
  response: HttpResponse,
  description: string,
  options: { readonly credentialHint?: string; readonly signInPage?: boolean; readonly keyParameter?: string } = {},
): void {
  const { credentialHint } = options;
  const html = options.signInPage === true && (/^text\/html/i.test(response.headers['content-type'] ?? '') || /^\s*</.test(response.bodyText));
  const rateLimited = response.status === 403 && (response.headers['retry-after'] !== undefined || response.headers['x-ratelimit-remaining'] === '0');
  const signIn = options.signInPage === true && (response.status === 203 || (html && response.status < 300));
  if (!rateLimited && (signIn || response.status === 401 || response.status === 403)) {
    const answered = signIn ? `${response.status} with a sign-in page` : String(response.status);
    throw new AppError('UpstreamPermanent', `${description} did not accept the credentials (it answered ${answered})${credentialHint === undefined ? '' : `: ${credentialHint}`}`, {
      module: MODULE,
      details: [{ target: 'status', message: String(response.status) }],
    });
  }
  if (response.status >= 200 && response.status < 300) return;
  const transient = rateLimited || response.status === 408 || response.status === 429 || response.status >= 500;
  const detail = targetMessage(response);
  const { keyParameter } = options;
  if (!transient && keyParameter !== undefined && detail?.includes(keyParameter) === true) {
    throw new AppError(
      'ConfigurationError',
      `${description} refused the run because it does not declare '${keyParameter}' (it answered ${response.status}: ${detail}). aml-warden sends this key with every run so that a run is started once; declare it and name runs after it (docs/policy.md, "One run per model version")`,
      { module: MODULE, target: keyParameter, details: [{ target: 'status', message: String(response.status) }] },
    );
  }
  throw new AppError(transient ? 'UpstreamTransient' : 'UpstreamPermanent', `${description} answered ${response.status}${detail === undefined ? '' : `: ${detail}`}`, {
    module: MODULE,
    details: [{ target: 'status', message: String(response.status) }],
  });
}

/** `message` from Azure DevOps' and GitHub's JSON errors, or the start of a text body. */
function targetMessage(response: HttpResponse): string | undefined {
  const text = response.bodyText.trim();
  if (text === '') return undefined;
  let message = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') message = parsed.message;
    else if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      const error: unknown = parsed.error;
      if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') message = error.message;
    }
  } catch {
    // Not JSON: the text itself.
  }
  const oneLine = message.replace(/\s+/g, ' ');
  return oneLine.length > MAX_MESSAGE_LENGTH ? `${oneLine.slice(0, MAX_MESSAGE_LENGTH)}…` : oneLine;
}

/** Template parameters and inputs are strings on the wire. */
export function stringifyParameters(parameters: Readonly<Record<string, string | number | boolean>>): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, String(value)]));
}
