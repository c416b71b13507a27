/**
 * The compute-request API's wire shapes, as zod schemas: they validate what callers send, and the
 * OpenAPI document (`src/http/openapi.ts`) is generated from these same schemas, so the two cannot drift.
 */
import { z } from 'zod';
import { AppError } from '../errors.js';
import { isValidComputeName, vmPriorities } from '../policy/computeRequestRules.js';
import { parseArmResourceId } from '../policy/resources.js';
import { computeRequestStatuses } from './computeRequest.js';

const trimmedText = (what: string, max: number) =>
  z
    .string({ error: `expected ${what} (a string)` })
    .trim()
    .min(1, { error: `${what} must not be empty` })
    .max(max, { error: `${what} must be at most ${max} characters` });

const workspaceId = z
  .string({ error: 'expected the workspace\'s ARM resource id (a string)' })
  .trim()
  .refine((value) => {
    const parsed = parseArmResourceId(value);
    return parsed !== undefined && parsed.computeName === undefined;
  }, { error: 'must be an Azure ML workspace resource id: /subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{name}' })
  .meta({ description: 'The workspace\'s ARM resource id.' });

const computeName = z
  .string({ error: 'expected a compute name (a string)' })
  .min(3, { error: 'must be 3–24 characters' })
  .max(24, { error: 'must be 3–24 characters' })
  .refine(isValidComputeName, { error: 'must be 3–24 letters, digits and hyphens, starting with a letter and not ending with a hyphen' })
  .meta({ description: 'Name of the cluster to create: 3–24 letters, digits and hyphens, starting with a letter.' });

const wholeNumber = (min: number) =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` });

export const createComputeRequestBody = z
  .strictObject({
    workspaceId,
    computeName,
    vmSize: trimmedText('a VM size', 64).meta({ description: 'Azure VM size, e.g. Standard_DS3_v2; must be allowed by the policy.' }),
    maxNodeCount: wholeNumber(1).max(1000, { error: 'must be at most 1000' }).meta({ description: 'Largest node count; capped by the policy.' }),
    minNodeCount: wholeNumber(0).max(1000, { error: 'must be at most 1000' }).optional().meta({ description: 'Must equal the policy\'s minimum (0: scale to zero).' }),
    vmPriority: z.enum(vmPriorities, { error: "expected 'Dedicated' or 'LowPriority'" }).optional(),
    justification: trimmedText('a justification', 2000).meta({ description: 'Why the compute is needed; shown to approvers.' }),
  });

export const approveComputeRequestBody = z
  .strictObject({ comment: trimmedText('a comment', 2000).optional() });

export const rejectComputeRequestBody = z
  .strictObject({ reason: trimmedText('a reason', 2000) });

export const computeRequestStatus = z.enum(computeRequestStatuses, {
  error: `expected one of ${computeRequestStatuses.join(', ')}`,
});

export const listComputeRequestsQuery = z.strictObject({
  status: computeRequestStatus.optional(),
  workspaceId: workspaceId.optional(),
  requestedBy: trimmedText('a user name', 256).optional().meta({ description: 'The requester\'s sign-in name.' }),
});

/** `GET /api/compute-requests/options?workspaceId=`: the workspace whose request form to describe. */
export const computeRequestOptionsQuery = z.strictObject({ workspaceId });

export const historyEntrySchema = z
  .object({
    status: computeRequestStatus,
    at: z.string(),
    by: z.string(),
    byId: z.string(),
    comment: z.string().optional(),
  });

/** A compute request as callers see it; the store keeps the same fields plus its internal provisioning state. */
export const computeRequestViewSchema = z
  .object({
    id: z.string(),
    status: computeRequestStatus,
    requestedBy: z.string(),
    requestedById: z.string(),
    workspaceId: z.string(),
    computeName: z.string(),
    vmSize: z.string(),
    maxNodeCount: z.number().int(),
    minNodeCount: z.number().int(),
    vmPriority: z.enum(vmPriorities),
    justification: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    expiresAt: z.string(),
    decidedBy: z.string().optional(),
    decidedAt: z.string().optional(),
    decisionComment: z.string().optional(),
    computeId: z.string().optional(),
    failureReason: z.string().optional(),
    provisioningAttempts: z.number().int(),
    history: z.array(historyEntrySchema),
  });

export const computeRequestListSchema = z
  .object({ value: z.array(computeRequestViewSchema), count: z.number().int() });

/**
 * What the policy lets a compute request for one workspace ask for, and what the cluster will be given: the form a
 * console shows. Every value comes from the rules `POST /api/compute-requests` is checked against.
 */
export const computeRequestOptionsSchema = z
  .object({
    workspace: z.object({
      id: z.string(),
      name: z.string(),
      subscriptionId: z.string(),
      resourceGroup: z.string(),
      location: z.string().nullable(),
      environment: z.string().nullable().meta({ description: "The workspace's environment tag (the policy's scope.environmentTag); null: untagged." }),
    }),
    environmentOverride: z
      .string()
      .nullable()
      .meta({ description: 'The scope.overrides entry whose rules apply, as the policy names it; null: the base rules.' }),
    vmSize: z.object({
      allowed: z.array(z.string()).nullable().meta({ description: 'The VM sizes a request may ask for (compared case-insensitively); null: any size.' }),
    }),
    maxNodeCount: z.object({ minimum: z.number().int(), maximum: z.number().int() }).meta({ description: 'The range maxNodeCount may take.' }),
    minNodeCount: z.object({ value: z.number().int() }).meta({ description: 'The one value minNodeCount may take (or leave it out); 0: the cluster scales to zero.' }),
    vmPriority: z.object({
      allowed: z.array(z.enum(vmPriorities)),
      default: z.enum(vmPriorities).meta({ description: 'What a request that names no vmPriority gets.' }),
    }),
    idleTimeBeforeScaleDown: z.string().meta({ description: 'How long idle nodes are kept before the cluster scales down (ISO-8601), set by the policy.' }),
    remoteLoginPortPublicAccess: z.string().meta({ description: 'Public SSH to the nodes, set by the app.' }),
    requiredTags: z
      .array(
        z.object({
          name: z.string(),
          allowedValues: z.array(z.string()).nullable().meta({ description: 'null: any non-empty value.' }),
          value: z
            .string()
            .nullable()
            .meta({ description: "What the cluster will be tagged with, from the workspace or the policy's default; null: nothing supplies it, so the cluster will be reported for it." }),
        }),
      )
      .meta({ description: 'The tags the policy requires on computes in this workspace.' }),
    expiresAfter: z.string().meta({ description: 'How long a request waits for an approver before it expires (ISO-8601).' }),
  });

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      target: z.string().optional(),
      details: z.array(z.object({ target: z.string(), message: z.string() })).optional(),
    }),
  });

export type CreateComputeRequestInput = z.output<typeof createComputeRequestBody>;
export type ListComputeRequestsFilter = z.output<typeof listComputeRequestsQuery>;
export type ComputeRequestOptionsQuery = z.output<typeof computeRequestOptionsQuery>;
export type ComputeRequestOptions = z.output<typeof computeRequestOptionsSchema>;

/** Whether the input holds anything at `path` (a missing field reads "is required", not "expected a string"). */
function isPresent(value: unknown, path: readonly PropertyKey[]): boolean {
  let current: unknown = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return false;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current !== undefined;
}

/**
 * Parses caller input with a schema; anything malformed is a 400 naming the first offending field
 * (`body.maxNodeCount`, `query.status`), with every problem in `details`.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query'): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => {
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.map(String).join('.');
    const target = field === '' ? where : `${where}.${field}`;
    const message =
      issue.code === 'unrecognized_keys'
        ? `${target}: unknown field${issue.keys.length > 1 ? 's' : ''}`
        : issue.code === 'invalid_type' && !isPresent(value, issue.path)
          ? `${target} is required`
          : `${target}: ${issue.message}`;
    return { target, message };
  });
  const first = details[0] ?? { target: where, message: `${where} is invalid` };
  throw new AppError('BadRequest', first.message, { target: first.target, module: 'computeRequests', details });
}
