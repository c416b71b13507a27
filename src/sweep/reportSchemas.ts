/**
 * The stored sweep reports as the HTTP API gives them (`/api/sweep-reports`), as zod schemas: the list's query is
 * parsed with them, and the OpenAPI document (`src/http/openapi.ts`) is generated from them. A compile-time check at
 * the end holds them to the report's own types, so the document cannot drift from what is sent.
 */
import { z } from 'zod';
import { reportFindingFields, reportLineFields, type StoredReportSummary } from './ports.js';
import { quotaSectionSchema } from './quota/ports.js';
import type { SweepReport } from './sweepReport.js';

export const MAX_REPORTS_LIMIT = 200;
export const DEFAULT_REPORTS_LIMIT = 20;
const limitError = `must be a whole number from 1 to ${MAX_REPORTS_LIMIT}`;

export const listSweepReportsQuery = z.strictObject({
  limit: z.coerce
    .number({ error: limitError })
    .int({ error: limitError })
    .min(1, { error: limitError })
    .max(MAX_REPORTS_LIMIT, { error: limitError })
    .default(DEFAULT_REPORTS_LIMIT)
    .meta({ description: `How many reports, newest first (1–${MAX_REPORTS_LIMIT}, default ${DEFAULT_REPORTS_LIMIT}).` }),
});

const counts = z.object({
  resources: z.number().int(),
  compliant: z.number().int(),
  exempt: z.number().int(),
  outOfScope: z.number().int(),
  violations: z.number().int(),
  remediated: z.number().int(),
  ineffective: z.number().int().meta({ description: 'Fixes Azure accepted and did not apply.' }),
  deferred: z.number().int(),
  wouldChange: z.number().int(),
  failed: z.number().int(),
});

const reportFinding = z.object({
  ...reportFindingFields,
  relation: reportFindingFields.relation.meta({ description: 'How actual should relate to expected.' }),
  fixable: reportFindingFields.fixable.meta({ description: 'Whether enforce mode fixes it in place.' }),
  advice: reportFindingFields.advice.meta({ description: 'What enforce mode does, or what a person must do.' }),
});

const reportLine = z.object({
  ...reportLineFields,
  findings: z.array(reportFinding).optional().meta({ description: 'Each finding behind rules; reports stored before findings were kept have none.' }),
  change: reportLineFields.change.meta({ description: 'The change written, or that enforce mode would write.' }),
});

/** What a stored report and its summary share. */
const reportHead = {
  runId: z.string(),
  mode: z.enum(['audit', 'enforce', 'policy']).meta({ description: "policy: each rule's own mode." }),
  whatIf: z.boolean(),
  status: z.enum(['Completed', 'Partial']),
  startedAt: z.string(),
  finishedAt: z.string(),
  subscriptions: z.array(z.string()),
  workspaces: z.number().int(),
  totals: counts,
  complianceRate: z
    .number()
    .nullable()
    .meta({ description: 'Resources without findings (exempt included) over the resources evaluated; null when nothing was evaluated.' }),
  evaluated: z.number().int().meta({ description: 'Resources judged against the policy: in scope, not failed.' }),
};

export const sweepReportSummarySchema = z.object({
  ...reportHead,
  problems: z.number().int().meta({ description: 'Workspaces that could not be read or swept.' }),
});

export const sweepReportSummaryListSchema = z.object({ value: z.array(sweepReportSummarySchema), count: z.number().int() });

export const sweepReportSchema = z.object({
  ...reportHead,
  problems: z.array(z.object({ workspaceId: z.string(), status: z.string(), error: z.string() })),
  violationsByRule: z.record(z.string(), z.number().int()),
  violationsByOwner: z.record(z.string(), z.number().int()).meta({ description: 'Non-compliant resources per owner ("(no owner)" when untagged).' }),
  lines: z.array(reportLine),
  quota: quotaSectionSchema.optional().meta({ description: 'Compute quota utilization per subscription, region and VM family; absent when the policy has no quota rules.' }),
});

/** `T` with every array and property read-only, as the report's own types are. */
type Frozen<T> = T extends readonly (infer E)[] ? readonly Frozen<E>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** Compiles only when `T` can be sent as `U` describes it. */
type SentAs<T extends U, U> = T;
// The compile-time check: a summary and a report are what the schemas describe.
export type SummarySentAsDocumented = SentAs<StoredReportSummary, Frozen<z.input<typeof sweepReportSummarySchema>>>;
export type ReportSentAsDocumented = SentAs<SweepReport, Frozen<z.input<typeof sweepReportSchema>>>;
