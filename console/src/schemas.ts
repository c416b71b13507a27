/**
 * The API's answers as the console reads them, checked with zod's small build (`zod/mini`) before any page uses them:
 * the shapes of the OpenAPI document (`/api/openapi.json`). Loose objects: a field the API adds later is kept, not
 * refused. No rule of the policy is repeated here; the API decides, the console shows.
 */
import * as z from 'zod/mini';

export const computeRequestStatuses = ['Pending', 'Rejected', 'Expired', 'Approved', 'Provisioning', 'Succeeded', 'Failed'] as const;
export type ComputeRequestStatus = (typeof computeRequestStatuses)[number];

export const historyEntrySchema = z.looseObject({
  status: z.string(),
  at: z.string(),
  by: z.string(),
  byId: z.optional(z.string()),
  comment: z.optional(z.string()),
});

export const computeRequestSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  requestedBy: z.string(),
  requestedById: z.string(),
  workspaceId: z.string(),
  computeName: z.string(),
  vmSize: z.string(),
  maxNodeCount: z.number(),
  minNodeCount: z.number(),
  vmPriority: z.string(),
  justification: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string(),
  decidedBy: z.optional(z.string()),
  decidedAt: z.optional(z.string()),
  decisionComment: z.optional(z.string()),
  computeId: z.optional(z.string()),
  failureReason: z.optional(z.string()),
  history: z.array(historyEntrySchema),
});
export type ComputeRequest = z.infer<typeof computeRequestSchema>;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const computeRequestListSchema = z.looseObject({ value: z.array(computeRequestSchema), count: z.number() });

/** `GET /api/compute-requests/options?workspaceId=`: what the policy lets a request for the workspace ask for. */
export const computeRequestOptionsSchema = z.looseObject({
  workspace: z.looseObject({
    id: z.string(),
    name: z.string(),
    subscriptionId: z.string(),
    resourceGroup: z.string(),
    location: z.nullable(z.string()),
    environment: z.nullable(z.string()),
  }),
  environmentOverride: z.nullable(z.string()),
  vmSize: z.looseObject({ allowed: z.nullable(z.array(z.string())) }),
  maxNodeCount: z.looseObject({ minimum: z.number(), maximum: z.number() }),
  minNodeCount: z.looseObject({ value: z.number() }),
  vmPriority: z.looseObject({ allowed: z.array(z.string()), default: z.string() }),
  idleTimeBeforeScaleDown: z.string(),
  remoteLoginPortPublicAccess: z.string(),
  requiredTags: z.array(z.looseObject({ name: z.string(), allowedValues: z.nullable(z.array(z.string())), value: z.nullable(z.string()) })),
  expiresAfter: z.string(),
});
export type ComputeRequestOptions = z.infer<typeof computeRequestOptionsSchema>;

/** Every error the API answers: `{"error": {code, message, target?, details?}}`. */
export const errorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    target: z.optional(z.string()),
    details: z.optional(z.array(z.looseObject({ target: z.string(), message: z.string() }))),
  }),
});

/** What `/api/console/config.json` gives the console: how to sign in and which token to ask for. */
export const consoleConfigSchema = z.looseObject({
  tenantId: z.string(),
  clientId: z.string(),
  apiScope: z.string(),
  authority: z.string(),
  knownAuthorities: z.array(z.string()),
});
export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;

const findingValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/** One rule a resource breaks: what the policy expects, what Azure has (`src/sweep/sweepReport.ts` `ReportFinding`). */
export const reportFindingSchema = z.looseObject({
  rule: z.string(),
  severity: z.string(),
  expected: findingValueSchema,
  actual: findingValueSchema,
  relation: z.enum(['equals', 'atMost', 'oneOf', 'present', 'valid']),
  fixable: z.boolean(),
  advice: z.optional(z.nullable(z.string())),
});
export type ReportFinding = z.infer<typeof reportFindingSchema>;

/** A resource that needs (or needed) attention in a sweep. */
export const reportLineSchema = z.looseObject({
  resourceId: z.string(),
  resourceType: z.string(),
  name: z.string(),
  workspaceName: z.string(),
  subscriptionId: z.string(),
  owner: z.optional(z.nullable(z.string())),
  outcome: z.string(),
  rules: z.array(z.string()),
  findings: z.optional(z.array(reportFindingSchema)),
  change: z.optional(z.nullable(z.string())),
  note: z.optional(z.nullable(z.string())),
});
export type ReportLine = z.infer<typeof reportLineSchema>;

const countsSchema = z.looseObject({
  resources: z.number(),
  compliant: z.number(),
  violations: z.number(),
  remediated: z.number(),
});

/** A stored sweep report's head: when it ran, over what, and how compliant it found things. */
export const reportSummarySchema = z.looseObject({
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.optional(z.string()),
  status: z.optional(z.string()),
  mode: z.optional(z.string()),
  subscriptions: z.array(z.string()),
  workspaces: z.optional(z.number()),
  evaluated: z.optional(z.number()),
  complianceRate: z.nullable(z.number()),
  totals: z.optional(countsSchema),
});
export type ReportSummary = z.infer<typeof reportSummarySchema>;

export const reportListSchema = z.looseObject({ value: z.array(reportSummarySchema) });

export const sweepReportSchema = z.looseObject({
  ...reportSummarySchema.shape,
  lines: z.array(reportLineSchema),
  problems: z.optional(z.array(z.looseObject({ workspaceId: z.string(), status: z.string(), error: z.string() }))),
  // Compute quota per VM family (`src/sweep/quota/ports.ts`); absent when the policy has no quota rules.
  quota: z.optional(
    z.looseObject({
      utilizations: z.array(
        z.looseObject({
          subscriptionId: z.string(),
          location: z.string(),
          level: z.string(),
          workspaceName: z.optional(z.string()),
          family: z.string(),
          displayName: z.string(),
          current: z.number(),
          limit: z.nullable(z.number()),
          percent: z.nullable(z.number()),
          threshold: z.number(),
          overThreshold: z.boolean(),
        }),
      ),
      problems: z.array(z.looseObject({ subscriptionId: z.string(), location: z.string(), error: z.string() })),
    }),
  ),
});
export type SweepReport = z.infer<typeof sweepReportSchema>;

/** One CD target's run for a model version (`GET /api/cd-runs`, `src/modelCd/readCdRuns.ts`). */
export const cdRunSchema = z.looseObject({
  target: z.string(),
  rule: z.optional(z.string()),
  status: z.string(),
  runId: z.optional(z.string()),
  link: z.optional(z.string()),
  attempts: z.number(),
  updatedAt: z.optional(z.string()),
  error: z.optional(z.string()),
});
export type CdRun = z.infer<typeof cdRunSchema>;

/** A model version in the CD ledger: the decision (the targets its rules matched, or why CD skipped it) and its runs. */
export const cdVersionSchema = z.looseObject({
  workspaceId: z.string(),
  workspaceName: z.string(),
  modelName: z.string(),
  modelVersion: z.string(),
  decision: z.string(),
  reason: z.optional(z.string()),
  eventId: z.optional(z.string()),
  updatedAt: z.string(),
  runs: z.array(cdRunSchema),
});
export type CdVersion = z.infer<typeof cdVersionSchema>;

export const cdVersionListSchema = z.looseObject({ value: z.array(cdVersionSchema), count: z.number() });
