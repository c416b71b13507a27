/**
 * A workspace's sweep result as the ledger stores it (`sweepprogress`): JSON spread over as many string
 * properties as it needs, and parsed back against the shape the report reads — a row from an older version,
 * or one edited by hand, is refused by name rather than trusted.
 */
import * as z from 'zod';
import { AppError } from '../../errors.js';
import { fitsInParts, fromParts, toParts } from './jsonParts.js';
import { reportFindingFields, reportLineFields, type WorkspaceSweepResult } from '../../sweep/ports.js';

/** 12 parts of 30,000 characters: 720 KB of the entity's 1 MiB. */
const RESULT_PARTS = 12;

/** The properties a result's JSON is stored in (`resultJson`, `resultJson1`, …); lines beyond what fits are dropped. */
export function resultProperties(result: WorkspaceSweepResult): Record<string, string> {
  let json = JSON.stringify(result);
  let kept = result.lines.length;
  while (!fitsInParts(json, RESULT_PARTS) && kept > 0) {
    kept = Math.floor(kept / 2);
    json = JSON.stringify({ ...result, lines: result.lines.slice(0, kept) });
  }
  return toParts('resultJson', json, RESULT_PARTS);
}

export const countsSchema = z.object({
  resources: z.number(),
  compliant: z.number(),
  exempt: z.number(),
  outOfScope: z.number(),
  violations: z.number(),
  remediated: z.number(),
  // Counts added after the first stored results.
  ineffective: z.number().default(0),
  deferred: z.number().default(0),
  wouldChange: z.number().default(0),
  failed: z.number().default(0),
});
export const reportLineSchema = z
  .object({
    ...reportLineFields,
    findings: z
      .array(
        z
          .object(reportFindingFields)
          // JSON leaves out what was undefined; the report's types name these keys.
          .transform((finding) => ({ ...finding, advice: finding.advice })),
      )
      .optional(),
  })
  .transform((read) => ({ ...read, owner: read.owner, change: read.change, note: read.note }));
const resultSchema = z.object({
  workspaceId: z.string(),
  workspaceName: z.string(),
  subscriptionId: z.string(),
  status: z.enum(['done', 'unreadable', 'failed']),
  error: z.string().optional(),
  counts: countsSchema,
  byRule: z.record(z.string(), z.number()),
  lines: z.array(reportLineSchema),
});

/** `json` read as `schema`; an Internal error naming `where` when it is not. */
export function parseStoredJson<T>(json: string, schema: z.ZodType<T>, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new AppError('Internal', `${where}: not JSON (${error instanceof Error ? error.message : String(error)})`, { module: 'sweepLedger', cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('Internal', `${where}: not as stored (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`, { module: 'sweepLedger' });
  }
  return parsed.data;
}

/** The result stored in `entity`'s parts; an error naming the row when it is not one. */
export function parseStoredResult(entity: Readonly<Record<string, unknown>>, where: string): WorkspaceSweepResult {
  return parseStoredJson(fromParts(entity, 'resultJson', RESULT_PARTS), resultSchema, `${where}: the stored result`);
}
