import { z } from 'zod';
import type { DomainEventKind } from './domainEvent.js';
import { parseResourceReference } from './resourceReference.js';

/**
 * Zod schemas for the `data` of each event kind, producing the typed data of `domainEvent.ts`.
 * The docs samples use PascalCase keys (`ModelName`), the REST spec and real deliveries camelCase
 * (`modelName`): top-level keys are camel-cased before validation, nested maps (tags) are left alone.
 */

function camelCaseTopLevelKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    const camel = key.charAt(0).toLowerCase() + key.slice(1);
    // An exact camelCase key wins over its PascalCase twin.
    if (!(camel in result) || key === camel) result[camel] = entry;
  }
  return result;
}

const objectError = { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : 'must be an object') };

const text = z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') });
const nonEmptyText = text.min(1, { error: 'must not be empty' });

/** Tags and properties: string values; scalars are stringified, absent or null means empty. */
const stringMap = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]), {
    error: 'must be an object of string values',
  })
  .nullish()
  .transform((map) =>
    Object.fromEntries(Object.entries(map ?? {}).map(([key, entry]) => [key, entry === null ? '' : String(entry)])),
  );

/**
 * What the Azure ML events carry where a value can reach a CD target's parameters: asset names and ids that start
 * with a letter or digit and hold only letters, digits, `_`, `.` and `-` (Azure ML's naming rule for assets; the
 * docs samples' ids are GUIDs and `{guid}_{number}` run ids). Anything else is not what Azure ML raises, and is
 * refused at the edge rather than handed to a pipeline.
 */
const AZURE_ML_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
/** A model version: the same characters, at most 64 of them. */
const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const azureMlName = nonEmptyText.regex(AZURE_ML_NAME, { error: 'must be an Azure ML name (a letter or digit, then letters, digits, _ . -)' });
const optionalAzureMlName = text.refine((value) => value === '' || AZURE_ML_NAME.test(value), { error: 'must be empty or an Azure ML name (a letter or digit, then letters, digits, _ . -)' });

const modelVersion = z
  .union([nonEmptyText, z.number().finite()], { error: 'must be a string or a number' })
  .transform((version) => String(version))
  .refine((version) => MODEL_VERSION.test(version), { error: 'must be a model version (letters, digits, _ . -)' });

const canonicalRunStatuses = [
  'NotStarted',
  'Starting',
  'Provisioning',
  'Preparing',
  'Queued',
  'Running',
  'Finalizing',
  'CancelRequested',
  'Completed',
  'Failed',
  'Canceled',
  'NotResponding',
  'Paused',
  'Unknown',
] as const;
const runStatusByLowerCase = new Map<string, string>(canonicalRunStatuses.map((status) => [status.toLowerCase(), status]));

/** `failed` and `Failed` both occur on the wire; use cases compare against the canonical spelling. */
export function normaliseRunStatus(status: string): string {
  const trimmed = status.trim();
  return runStatusByLowerCase.get(trimmed.toLowerCase()) ?? trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

const modelRegistered = z.object({
  modelName: azureMlName,
  modelVersion,
  modelTags: stringMap,
  modelProperties: stringMap,
}, objectError);

const modelDeployed = z.object({
  serviceName: nonEmptyText,
  serviceComputeType: text.nullish().transform((value) => value ?? ''),
  modelIds: z
    .union([text, z.array(text)], { error: 'must be a comma-separated string or an array of strings' })
    .nullish()
    .transform((ids) =>
      (Array.isArray(ids) ? ids : (ids ?? '').split(','))
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    ),
  serviceTags: stringMap,
  serviceProperties: stringMap,
}, objectError);

const run = z.object({
  // Absent from some RunStatusChanged deliveries (the @azure/eventgrid types make both optional).
  experimentId: text.nullish().transform((value) => value ?? ''),
  experimentName: text.nullish().transform((value) => value ?? ''),
  runId: nonEmptyText,
  runType: text.nullish().transform((value) => value ?? null),
  runTags: stringMap,
  runProperties: stringMap,
  runStatus: text.nullish().transform((value) => (value === null || value === undefined ? undefined : normaliseRunStatus(value))),
}, objectError);

const datasetDriftDetected = z.object({
  dataDriftId: azureMlName,
  dataDriftName: optionalAzureMlName,
  runId: optionalAzureMlName,
  baseDatasetId: optionalAzureMlName,
  targetDatasetId: optionalAzureMlName,
  driftCoefficient: z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/)], { error: 'must be a number' }).transform(Number),
  startTime: text,
  endTime: text,
}, objectError);

const resourceAction = z
  .object({
    resourceUri: nonEmptyText,
    operationName: nonEmptyText,
    status: text.nullish(),
    subscriptionId: text.nullish(),
    tenantId: text.nullish(),
    resourceProvider: text.nullish(),
    correlationId: text.nullish(),
  }, objectError)
  .transform((data) => {
    const resource = parseResourceReference(data.resourceUri);
    return {
      resourceUri: data.resourceUri,
      operationName: data.operationName,
      status: data.status ?? '',
      subscriptionId: data.subscriptionId ?? resource.workspace?.subscriptionId ?? '',
      tenantId: data.tenantId ?? '',
      resourceProvider: data.resourceProvider ?? data.operationName.split('/')[0] ?? '',
      correlationId: data.correlationId ?? '',
      resourceKind: resource.kind,
      computeName: resource.computeName,
    };
  });

const subscriptionValidation = z.object({
  validationCode: nonEmptyText,
  validationUrl: text.nullish().transform((value) => value ?? null),
}, objectError);

const requiredObject = <T extends z.ZodType>(schema: T) => z.preprocess(camelCaseTopLevelKeys, schema);

/** The data schema of each known kind; `Unknown` keeps whatever came. */
export const eventDataSchemas = {
  ModelRegistered: requiredObject(modelRegistered),
  ModelDeployed: requiredObject(modelDeployed),
  RunCompleted: requiredObject(run),
  RunStatusChanged: requiredObject(run),
  DatasetDriftDetected: requiredObject(datasetDriftDetected),
  ResourceWriteSuccess: requiredObject(resourceAction),
  ResourceDeleteSuccess: requiredObject(resourceAction),
  SubscriptionValidation: requiredObject(subscriptionValidation),
  Unknown: z.unknown(),
} satisfies Record<DomainEventKind, z.ZodType>;
