/**
 * The app's typed view of an event delivery, independent of the wire schema (Event Grid or CloudEvents 1.0).
 * Parsing lives in `parseDelivery.ts`; use cases only ever see these values.
 */

export type EventSchema = 'EventGrid' | 'CloudEvents';

/** The Azure ML workspace an event is about. Values are kept verbatim (docs samples carry placeholders such as `{subscription-id}`). */
export interface WorkspaceReference {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspaceName: string;
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{w}` */
  readonly id: string;
}

/** What every domain event carries, whatever its kind. */
export interface EventEnvelope {
  readonly id: string;
  /** The full event type, e.g. `Microsoft.MachineLearningServices.ModelRegistered`. */
  readonly type: string;
  readonly time: string;
  readonly subject: string;
  /** Event Grid `topic` or CloudEvents `source`. */
  readonly source: string;
  readonly schema: EventSchema;
  /** The workspace named by the topic/source or subject; null when the event is not about a workspace. */
  readonly workspace: WorkspaceReference | null;
}

export type StringMap = Readonly<Record<string, string>>;

export interface ModelRegisteredData {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly modelTags: StringMap;
  readonly modelProperties: StringMap;
}

export interface ModelDeployedData {
  readonly serviceName: string;
  readonly serviceComputeType: string;
  /** `name:version` pairs; the wire carries them comma-separated. */
  readonly modelIds: readonly string[];
  readonly serviceTags: StringMap;
  readonly serviceProperties: StringMap;
}

/** Canonical Azure ML run statuses; other values are kept with their first letter capitalised. */
export type RunStatus = string;

export interface RunData {
  readonly experimentId: string;
  readonly experimentName: string;
  readonly runId: string;
  readonly runType: string | null;
  readonly runTags: StringMap;
  readonly runProperties: StringMap;
  readonly runStatus?: RunStatus;
}

export interface DatasetDriftDetectedData {
  readonly dataDriftId: string;
  readonly dataDriftName: string;
  readonly runId: string;
  readonly baseDatasetId: string;
  readonly targetDatasetId: string;
  readonly driftCoefficient: number;
  readonly startTime: string;
  readonly endTime: string;
}

export type ResourceKind = 'workspace' | 'compute' | 'other';

export interface ResourceActionData {
  readonly resourceUri: string;
  readonly operationName: string;
  readonly status: string;
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly resourceProvider: string;
  readonly correlationId: string;
  /** What the resource is, from `resourceUri`. */
  readonly resourceKind: ResourceKind;
  /** The compute's name when `resourceKind` is `compute`. */
  readonly computeName: string | null;
}

export interface SubscriptionValidationData {
  readonly validationCode: string;
  readonly validationUrl: string | null;
}

export type ModelRegisteredEvent = EventEnvelope & { readonly kind: 'ModelRegistered'; readonly data: ModelRegisteredData };
export type ModelDeployedEvent = EventEnvelope & { readonly kind: 'ModelDeployed'; readonly data: ModelDeployedData };
export type RunCompletedEvent = EventEnvelope & { readonly kind: 'RunCompleted'; readonly data: RunData };
export type RunStatusChangedEvent = EventEnvelope & { readonly kind: 'RunStatusChanged'; readonly data: RunData };
export type DatasetDriftDetectedEvent = EventEnvelope & {
  readonly kind: 'DatasetDriftDetected';
  readonly data: DatasetDriftDetectedData;
};
export type ResourceWriteSuccessEvent = EventEnvelope & {
  readonly kind: 'ResourceWriteSuccess';
  readonly data: ResourceActionData;
};
export type ResourceDeleteSuccessEvent = EventEnvelope & {
  readonly kind: 'ResourceDeleteSuccess';
  readonly data: ResourceActionData;
};
export type SubscriptionValidationEvent = EventEnvelope & {
  readonly kind: 'SubscriptionValidation';
  readonly data: SubscriptionValidationData;
};
/** Any other event type: acknowledged and logged, never acted on. */
export type UnknownEvent = EventEnvelope & { readonly kind: 'Unknown'; readonly data: unknown };

export type DomainEvent =
  | ModelRegisteredEvent
  | ModelDeployedEvent
  | RunCompletedEvent
  | RunStatusChangedEvent
  | DatasetDriftDetectedEvent
  | ResourceWriteSuccessEvent
  | ResourceDeleteSuccessEvent
  | SubscriptionValidationEvent
  | UnknownEvent;

export type DomainEventKind = DomainEvent['kind'];

/** Wire event type → kind. Anything not listed is `Unknown`. */
export const eventKindByType: Readonly<Record<string, Exclude<DomainEventKind, 'Unknown'>>> = {
  'Microsoft.MachineLearningServices.ModelRegistered': 'ModelRegistered',
  'Microsoft.MachineLearningServices.ModelDeployed': 'ModelDeployed',
  'Microsoft.MachineLearningServices.RunCompleted': 'RunCompleted',
  'Microsoft.MachineLearningServices.RunStatusChanged': 'RunStatusChanged',
  'Microsoft.MachineLearningServices.DatasetDriftDetected': 'DatasetDriftDetected',
  'Microsoft.Resources.ResourceWriteSuccess': 'ResourceWriteSuccess',
  'Microsoft.Resources.ResourceDeleteSuccess': 'ResourceDeleteSuccess',
  'Microsoft.EventGrid.SubscriptionValidationEvent': 'SubscriptionValidation',
};

/** What a use case did with an event, for logs and the webhook's answer. */
export interface EventOutcome {
  /** Whether a use case acted on it (false: acknowledged and ignored, e.g. an unhandled type or an out-of-scope workspace). */
  readonly handled: boolean;
  /** Why not, or what was done. */
  readonly reason: string;
}
