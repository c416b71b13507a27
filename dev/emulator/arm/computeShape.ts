import { badRequest, isRecord, readOptionalObject } from './armErrors.js';

/** Compute types the 2022-10-01 and 2023-04-01 APIs accept. */
export const COMPUTE_TYPES = [
  'AKS',
  'Kubernetes',
  'AmlCompute',
  'ComputeInstance',
  'DataFactory',
  'VirtualMachine',
  'HDInsight',
  'Databricks',
  'DataLakeAnalytics',
  'SynapseSpark',
] as const;

const ISO_DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** Milliseconds of a day-time ISO 8601 duration (`P1DT2H`, `PT30M`), or `undefined` when it is not one. */
export function isoDurationMs(value: string): number | undefined {
  const match = ISO_DURATION.exec(value);
  if (!match) return undefined;
  const [, days, , hours, minutes, seconds] = match;
  const number = (part: string | undefined) => (part === undefined ? 0 : parseFloat(part));
  return ((number(days) * 24 + number(hours)) * 60 + number(minutes)) * 60_000 + number(seconds) * 1000;
}

export interface ComputeRequestBody {
  readonly location: string;
  readonly computeType: string;
  readonly description?: string;
  /** The type-specific `properties.properties`, as sent. */
  readonly typeProperties: Record<string, unknown>;
  readonly extra: Record<string, unknown>;
  readonly tags: unknown;
}

/** Validates a compute PUT body as ARM does, naming the offending field. */
export function readComputePut(body: Record<string, unknown>): ComputeRequestBody {
  const location = body['location'];
  if (typeof location !== 'string' || location.length === 0) return badRequest('location', 'is required.');
  const properties = readOptionalObject(body['properties'], 'properties');
  if (!properties) return badRequest('properties', 'is required.');
  const computeType = properties['computeType'];
  if (typeof computeType !== 'string' || computeType.length === 0) return badRequest('properties.computeType', 'is required.');
  const canonical = COMPUTE_TYPES.find((known) => known.toLowerCase() === computeType.toLowerCase());
  if (!canonical) return badRequest('properties.computeType', `has an unknown value '${computeType}'; expected one of ${COMPUTE_TYPES.join(', ')}.`);
  const typeProperties = readOptionalObject(properties['properties'], 'properties.properties') ?? {};
  if (canonical === 'AmlCompute' && typeProperties['scaleSettings'] !== undefined) validateScaleSettings(typeProperties['scaleSettings'], 'properties.properties.scaleSettings');
  const { location: _l, properties: _p, tags, id: _i, name: _n, type: _t, systemData: _s, ...extra } = body;
  const description = properties['description'];
  return {
    location,
    computeType: canonical,
    ...(typeof description === 'string' ? { description } : {}),
    typeProperties,
    extra,
    tags,
  };
}

export function validateScaleSettings(value: unknown, field: string): Record<string, unknown> {
  if (!isRecord(value)) return badRequest(field, 'must be an object.');
  const max = value['maxNodeCount'];
  const min = value['minNodeCount'];
  const idle = value['nodeIdleTimeBeforeScaleDown'];
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) return badRequest(`${field}.maxNodeCount`, 'is required and must be a non-negative integer.');
  if (min !== undefined && (typeof min !== 'number' || !Number.isInteger(min) || min < 0)) return badRequest(`${field}.minNodeCount`, 'must be a non-negative integer.');
  if (typeof min === 'number' && min > max) return badRequest(`${field}.minNodeCount`, 'must not exceed maxNodeCount.');
  if (idle !== undefined && idle !== null && (typeof idle !== 'string' || !ISO_DURATION.test(idle))) return badRequest(`${field}.nodeIdleTimeBeforeScaleDown`, 'must be an ISO 8601 duration such as PT30M.');
  return value;
}

/** What Azure ML fills in on a cluster or instance beside what the caller sent. */
export function computeTypeDefaults(computeType: string, sent: Record<string, unknown>): Record<string, unknown> {
  if (computeType === 'AmlCompute') {
    const scale = isRecord(sent['scaleSettings']) ? sent['scaleSettings'] : { maxNodeCount: 1, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT2M' };
    const minNodes = typeof scale['minNodeCount'] === 'number' ? scale['minNodeCount'] : 0;
    return {
      vmSize: 'STANDARD_DS3_V2',
      vmPriority: 'Dedicated',
      osType: 'Linux',
      isolatedNetwork: false,
      remoteLoginPortPublicAccess: 'NotSpecified',
      enableNodePublicIp: true,
      ...sent,
      scaleSettings: { minNodeCount: 0, ...scale },
      allocationState: 'Steady',
      currentNodeCount: minNodes,
      targetNodeCount: minNodes,
      nodeStateCounts: { preparingNodeCount: 0, runningNodeCount: 0, idleNodeCount: minNodes, unusableNodeCount: 0, leavingNodeCount: 0, preemptedNodeCount: 0 },
      errors: null,
    };
  }
  if (computeType === 'ComputeInstance') {
    return {
      vmSize: 'STANDARD_DS3_V2',
      applicationSharingPolicy: 'Shared',
      computeInstanceAuthorizationType: 'personal',
      ...sent,
      ...(isRecord(sent['schedules']) ? { schedules: withScheduleReadOnlyFields(sent['schedules']) } : {}),
      state: 'Running',
      errors: null,
    };
  }
  return { ...sent };
}

/**
 * A compute instance's `schedules.computeStartStop` as Azure returns it: what was sent, plus the read-only `id`
 * ("A system assigned id for the schedule") and `provisioningStatus` (`Completed` | `Provisioning` | `Failed`) of
 * `ComputeStartStopSchedule` (azure-rest-api-specs `stable/2024-04-01/machineLearningServices.json`). The schedules
 * are taken as sent: the spec gives no rule that refuses one, and the instance keeps them until it is recreated.
 */
function withScheduleReadOnlyFields(schedules: Record<string, unknown>): Record<string, unknown> {
  const list = schedules['computeStartStop'];
  if (!Array.isArray(list)) return schedules;
  return {
    ...schedules,
    computeStartStop: list.map((schedule: unknown, index) =>
      isRecord(schedule) ? { ...schedule, id: schedule['id'] ?? `schedule-${index + 1}`, provisioningStatus: 'Completed' } : schedule,
    ),
  };
}

/**
 * Fields that exist only in some api-versions: stored whatever version wrote them, returned only to callers asking
 * with a version whose model declares them, as ARM serialises per api-version.
 *
 * A compute instance's `idleTimeBeforeShutdown` is declared by the previews from 2022-06-01-preview and by stable
 * 2025-12-01 on — not by stable 2022-10-01 to 2025-09-01 (azure-rest-api-specs
 * `preview/2024-10-01-preview/machineLearningServices.json`, `ComputeInstanceProperties`; Azure/bicep-types-az
 * `generated/machinelearningservices/microsoft.machinelearningservices/<version>/types.md`, generated from the
 * spec's main branch). `customServices` and `osImageMetadata` are declared from 2023-04-01.
 */
const NEWER_TYPE_FIELDS: readonly { readonly computeType: string; readonly field: string; readonly stableSince: string; readonly previewSince: string }[] = [
  { computeType: 'ComputeInstance', field: 'idleTimeBeforeShutdown', stableSince: '2025-12-01', previewSince: '2022-06-01' },
  { computeType: 'ComputeInstance', field: 'customServices', stableSince: '2023-04-01', previewSince: '2023-04-01' },
  { computeType: 'ComputeInstance', field: 'osImageMetadata', stableSince: '2023-04-01', previewSince: '2023-04-01' },
];

/** The type properties an api-version does not declare for a compute type. */
function undeclaredAt(computeType: unknown, apiVersion: string): string[] {
  const date = apiVersion.slice(0, 10);
  const preview = apiVersion.toLowerCase().endsWith('-preview');
  return NEWER_TYPE_FIELDS.filter((f) => f.computeType === computeType && date < (preview ? f.previewSince : f.stableSince)).map((f) => f.field);
}

/** A compute as an api-version serialises it: what that version does not declare is left out. */
export function forApiVersion(body: Record<string, unknown>, apiVersion: string): Record<string, unknown> {
  const properties = body['properties'];
  if (!isRecord(properties) || !isRecord(properties['properties'])) return body;
  const hidden = undeclaredAt(properties['computeType'], apiVersion);
  if (hidden.length === 0) return body;
  const typeProperties = { ...properties['properties'] };
  for (const field of hidden) delete typeProperties[field];
  return { ...body, properties: { ...properties, properties: typeProperties } };
}

/** What a write at an api-version applies: a property that version does not declare is ignored, as the service's model drops it. */
export function declaredAt(computeType: string, typeProperties: Record<string, unknown>, apiVersion: string): Record<string, unknown> {
  const ignored = undeclaredAt(computeType, apiVersion);
  if (ignored.length === 0) return typeProperties;
  return Object.fromEntries(Object.entries(typeProperties).filter(([field]) => !ignored.includes(field)));
}
