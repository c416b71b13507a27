/**
 * What every CD target adapter (Azure DevOps, GitHub Actions, signed webhook) offers the use cases:
 * start one run for one request, and describe itself without secrets for dry runs and logs.
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
  /** Identifies this run request across retries (the ledger key); targets that accept one use it for idempotency. */
  readonly idempotencyKey: string;
}

export interface CdRunStarted {
  /** The run's id at the target, when the target returns one. */
  readonly runId: string | undefined;
  /** Where a person can watch the run. */
  readonly link: string | undefined;
}

export interface CdTargetAdapter {
  /** `azureDevOps`, `githubActions` or `webhook`. */
  readonly kind: string;
  /** e.g. `Azure DevOps contoso/mlops pipeline 1`: safe to log (no secrets, no webhook URLs). */
  readonly description: string;
  startRun(request: CdRunRequest): Promise<CdRunStarted>;
}
