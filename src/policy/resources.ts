import * as z from 'zod';
import { AppError } from '../errors.js';
import { computeSchedulesSchema, type ComputeStartStopSchedule } from './computeSchedules.js';

/**
 * The resource model evaluation reads: Azure ML workspaces and computes, parsed from ARM JSON (a GET
 * body, a list item, a Resource Graph row or the SDK's deserialised object — they share these
 * fields). Only what policy needs is read; everything optional is tolerated when missing or null.
 */

export interface ArmResourceId {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspaceName: string;
  /** Present for `…/workspaces/{w}/computes/{c}`. */
  readonly computeName?: string;
}

/** What every governed resource has: where it lives, its name and its tags. */
export interface LocatedResource {
  readonly id: string;
  readonly name: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspaceName: string;
  readonly location: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  /** ARM's `systemData.lastModifiedAt`: when anyone last wrote the resource, when ARM reports it. */
  readonly lastModifiedAt: string | undefined;
}

export interface WorkspaceResource extends LocatedResource {
  readonly resourceType: 'workspace';
}

export type ComputeKind = 'AmlCompute' | 'ComputeInstance' | 'Other';

export interface ScaleSettings {
  readonly minNodeCount: number | undefined;
  readonly maxNodeCount: number | undefined;
  readonly nodeIdleTimeBeforeScaleDown: string | undefined;
}

export interface ComputeResource extends LocatedResource {
  readonly resourceType: 'compute';
  /** Policy distinguishes clusters and instances; every other compute type (AKS, Kubernetes, …) is `Other`. */
  readonly kind: ComputeKind;
  /** ARM's `computeType` as written. */
  readonly computeType: string;
  readonly provisioningState: string | undefined;
  readonly vmSize: string | undefined;
  readonly vmPriority: string | undefined;
  /** AmlCompute only. */
  readonly scaleSettings: ScaleSettings | undefined;
  readonly currentNodeCount: number | undefined;
  /** AmlCompute: `Enabled` | `Disabled` | `NotSpecified`. */
  readonly remoteLoginPortPublicAccess: string | undefined;
  /** ComputeInstance: `sshSettings.sshPublicAccess`. */
  readonly sshPublicAccess: string | undefined;
  readonly subnetId: string | undefined;
  /** ComputeInstance: ISO-8601 idle shutdown (API 2023-04-01 and later). */
  readonly idleTimeBeforeShutdown: string | undefined;
  /** ComputeInstance: `schedules.computeStartStop`; `undefined` when the body has no `schedules`. */
  readonly startStopSchedules?: readonly ComputeStartStopSchedule[] | undefined;
}

export type GovernedResource = WorkspaceResource | ComputeResource;

const idPattern =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)(?:\/computes\/([^/]+))?\/?$/i;

/** The parts of a workspace or compute resource id, or `undefined` when it is neither. */
export function parseArmResourceId(id: string): ArmResourceId | undefined {
  const match = idPattern.exec(id);
  if (!match) return undefined;
  const [, subscriptionId, resourceGroup, workspaceName, computeName] = match;
  if (subscriptionId === undefined || resourceGroup === undefined || workspaceName === undefined) return undefined;
  return computeName === undefined
    ? { subscriptionId, resourceGroup, workspaceName }
    : { subscriptionId, resourceGroup, workspaceName, computeName };
}

const optionalString = z.string().nullish();
const optionalNumber = z.number().nullish();
// ARM tag values are strings; Resource Graph rows and hand-written fixtures sometimes hold numbers or null.
const tagsSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).nullish())
  .nullish()
  .transform((tags): Record<string, string> => {
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(tags ?? {})) if (value !== null && value !== undefined) result[key] = String(value);
    return result;
  });

const armResourceSchema = z.object({
  id: z.string().min(1),
  name: optionalString,
  location: optionalString,
  tags: tagsSchema,
  // A string on the wire; a Date once the Azure SDK has deserialised it.
  systemData: z
    .object({ lastModifiedAt: z.union([z.string(), z.date()]).nullish().transform((value) => (value instanceof Date ? value.toISOString() : (value ?? undefined))) })
    .nullish(),
});

const computeBodySchema = armResourceSchema.extend({
  properties: z
    .object({
      computeType: z.string().min(1),
      provisioningState: optionalString,
      properties: z
        .object({
          vmSize: optionalString,
          vmPriority: optionalString,
          scaleSettings: z
            .object({
              minNodeCount: optionalNumber,
              maxNodeCount: optionalNumber,
              nodeIdleTimeBeforeScaleDown: optionalString,
            })
            .nullish(),
          currentNodeCount: optionalNumber,
          remoteLoginPortPublicAccess: optionalString,
          sshSettings: z.object({ sshPublicAccess: optionalString }).nullish(),
          subnet: z.object({ id: optionalString }).nullish(),
          idleTimeBeforeShutdown: optionalString,
          schedules: computeSchedulesSchema,
        })
        .nullish(),
  }),
});

export function parseWorkspace(value: unknown): WorkspaceResource {
  const body = parseBody(armResourceSchema, value, 'workspace');
  const id = idParts(body.id, 'workspace');
  if (id.computeName !== undefined) throw notA('workspace', body.id);
  return { resourceType: 'workspace', ...locatedIn(body, id, id.workspaceName) };
}

export function parseCompute(value: unknown): ComputeResource {
  const body = parseBody(computeBodySchema, value, 'compute');
  const id = idParts(body.id, 'compute');
  if (id.computeName === undefined) throw notA('compute', body.id);
  const { computeType } = body.properties;
  const inner = body.properties.properties ?? undefined;
  const kind: ComputeKind = computeType === 'AmlCompute' || computeType === 'ComputeInstance' ? computeType : 'Other';
  const scale = inner?.scaleSettings ?? undefined;
  return {
    resourceType: 'compute',
    ...locatedIn(body, id, id.computeName),
    kind,
    computeType,
    provisioningState: body.properties.provisioningState ?? undefined,
    vmSize: inner?.vmSize ?? undefined,
    vmPriority: inner?.vmPriority ?? undefined,
    scaleSettings:
      scale === undefined
        ? undefined
        : {
            minNodeCount: scale.minNodeCount ?? undefined,
            maxNodeCount: scale.maxNodeCount ?? undefined,
            nodeIdleTimeBeforeScaleDown: scale.nodeIdleTimeBeforeScaleDown ?? undefined,
          },
    currentNodeCount: inner?.currentNodeCount ?? undefined,
    remoteLoginPortPublicAccess: inner?.remoteLoginPortPublicAccess ?? undefined,
    sshPublicAccess: inner?.sshSettings?.sshPublicAccess ?? undefined,
    subnetId: inner?.subnet?.id ?? undefined,
    idleTimeBeforeShutdown: inner?.idleTimeBeforeShutdown ?? undefined,
    ...(inner?.schedules === undefined ? {} : { startStopSchedules: inner.schedules }),
  };
}

/** A workspace or a compute, told apart by the resource id. */
export function parseGovernedResource(value: unknown): GovernedResource {
  const id = parseBody(z.object({ id: z.string().min(1) }), value, 'resource').id;
  return parseArmResourceId(id)?.computeName === undefined ? parseWorkspace(value) : parseCompute(value);
}

function parseBody<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ target: issue.path.map(String).join('.') || '(body)', message: issue.message }));
  const first = details[0];
  return failWith(
    new AppError('UpstreamPermanent', `unexpected ${what} shape${first ? ` at ${first.target}: ${first.message}` : ''}`, {
      module: 'policy',
      target: first?.target,
      details,
    }),
  );
}

function locatedIn(body: z.output<typeof armResourceSchema>, id: ArmResourceId, fallbackName: string): LocatedResource {
  return {
    id: body.id,
    name: body.name ?? fallbackName,
    subscriptionId: id.subscriptionId,
    resourceGroup: id.resourceGroup,
    workspaceName: id.workspaceName,
    location: body.location ?? undefined,
    tags: body.tags,
    lastModifiedAt: body.systemData?.lastModifiedAt ?? undefined,
  };
}

function idParts(id: string, what: string): ArmResourceId {
  return parseArmResourceId(id) ?? failWith(notA(what, id));
}

function notA(what: string, id: string): AppError {
  return new AppError('UpstreamPermanent', `not an Azure ML ${what} resource id: ${id}`, { module: 'policy', target: 'id' });
}

function failWith(error: AppError): never {
  throw error;
}
