/**
 * What every CD target adapter (Azure DevOps, GitHub Actions, signed webhook) offers the use cases: start one run
 * for one request, find a run started earlier for the same request, and describe itself without secrets.
 *
 * Failures are AppErrors: `UpstreamTransient` (timeouts, 408/429/5xx: worth retrying) or
 * `UpstreamPermanent` / `ConfigurationError` (the target refused, or the configuration is wrong: never retried).
 */

export type CdParameterValue = string | number | boolean;

export interface CdRunRequest {
  /** The event that caused the run, for correlation (sent where the target accepts free-form fields). */
  readonly eventId: string;
  /** Named values the run receives: Azure DevOps `templateParameters`, GitHub `inputs`, the webhook's `parameters`. */
  readonly parameters: Readonly<Record<string, CdParameterValue>>;
  /**
   * The same for every attempt at one run (`runKeyOf`): each target receives it in the way it can be searched by
   * — Azure DevOps as the `idempotencyKey` parameter its run name starts with, GitHub as the `idempotency_key` input
   * its `run-name` shows, a webhook as its `webhook-id`.
   */
  readonly idempotencyKey: string;
}

export interface CdRunStarted {
  /** The run's id at the target, when the target returns one. */
  readonly runId: string | undefined;
  /** Where a person can watch the run. */
  readonly link: string | undefined;
  /**
   * Set when the target started a run it may not be able to find again by its key (a pipeline or workflow whose run
   * name lacks it): why, and what to change. After a lost answer, such a run could be started twice.
   */
  readonly notFindable?: string;
}

export type RunLookup =
  /** A run carrying the key exists: it is the one to record, and no other is started. */
  | { readonly kind: 'found'; readonly run: CdRunStarted }
  | { readonly kind: 'none' }
  /** The target cannot be asked; it deduplicates by the key itself (a Standard Webhooks receiver). */
  | { readonly kind: 'unsupported' };

export interface CdTargetAdapter {
  /** `azureDevOps`, `githubActions` or `webhook`. */
  readonly kind: string;
  /** e.g. `Azure DevOps contoso/mlops pipeline 1`: safe to log (no secrets, no webhook URLs). */
  readonly description: string;
  startRun(request: CdRunRequest): Promise<CdRunStarted>;
  /** A run started for `idempotencyKey` since `since` (an earlier attempt whose answer was lost), if the target knows one. */
  findRun(idempotencyKey: string, since: Date): Promise<RunLookup>;
}
