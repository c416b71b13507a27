/**
 * What the compute-request use cases need from the outside, as interfaces: the request store, Azure ML
 * (workspaces and computes), notifications and telemetry. `composition.ts` wires the real ones.
 */
import type { ComputeSpec } from '../policy/computeRequestRules.js';
import type { Policy } from '../policy/policySchema.js';
import type { WorkspaceResource } from '../policy/resources.js';
import type { Log } from '../shared/log.js';
import type { Telemetry } from '../shared/telemetry.js';
import type { ComputeRequest, ComputeRequestStatus } from './computeRequest.js';

// What the store keeps is a request as callers see it: the adapter parses what it reads back with these.
export { computeRequestViewSchema, historyEntrySchema } from './computeRequestSchemas.js';
export { requestTagName, terminalStatuses, type ComputeRequest, type ComputeRequestStatus } from './computeRequest.js';

export interface VersionedComputeRequest {
  readonly request: ComputeRequest;
  readonly etag: string;
}

export interface ComputeRequestQuery {
  readonly status?: ComputeRequestStatus | undefined;
  /** Compared case-insensitively, as ARM ids are. */
  readonly workspaceId?: string | undefined;
  /** The requester's sign-in name, compared case-insensitively. */
  readonly requestedBy?: string | undefined;
  /** Only this requester's (`oid`). */
  readonly requestedById?: string | undefined;
  /** Any of these statuses. */
  readonly statuses?: readonly ComputeRequestStatus[] | undefined;
}

export interface ComputeRequestStore {
  /** Stores a new request; `Conflict` if its id exists. */
  create(request: ComputeRequest): Promise<VersionedComputeRequest>;
  get(id: string): Promise<VersionedComputeRequest | undefined>;
  /** Writes the request if it is still at `etag`; otherwise `Conflict`. */
  update(request: ComputeRequest, etag: string): Promise<VersionedComputeRequest>;
  /** Requests matching the query, newest first. */
  list(query?: ComputeRequestQuery): Promise<VersionedComputeRequest[]>;
  /** Reserves a compute name in a workspace for a request: `false` when another open (not yet finished) request holds it. */
  claimComputeName(workspaceId: string, computeName: string, requestId: string): Promise<boolean>;
  /** Gives the name back (only if this request holds it). */
  releaseComputeName(workspaceId: string, computeName: string, requestId: string): Promise<void>;
}

/** How far an ARM create-or-update has got. */
export type ProvisioningProgress =
  | { readonly kind: 'running'; readonly operationState: string | undefined }
  | { readonly kind: 'succeeded'; readonly computeId: string }
  | { readonly kind: 'failed'; readonly reason: string };

/** A compute that exists under a requested name: whose it is (its `aml-warden-request` tag) and how far it has got. */
export interface ExistingCompute {
  /** The request that created it, from its tag; `undefined` when someone else created it. */
  readonly requestId: string | undefined;
  readonly progress: ProvisioningProgress;
}

export interface ComputeGateway {
  /** The workspace as ARM has it now; `undefined` when it does not exist. */
  readWorkspace(workspaceId: string): Promise<WorkspaceResource | undefined>;
  /** The compute of that name as ARM has it now; `undefined` when there is none. */
  findCompute(workspaceId: string, computeName: string): Promise<ExistingCompute | undefined>;
  /**
   * Sends the create (one PUT, asking Azure not to overwrite) and returns without waiting for Azure to finish;
   * `conflict` when Azure answers 409/412 (the name may have been taken since it was read: look before concluding).
   */
  beginCreate(workspace: WorkspaceResource, computeName: string, spec: ComputeSpec): Promise<ProvisioningProgress | { readonly kind: 'conflict'; readonly reason: string }>;
  /** Looks once at a create in flight, through its operation (any instance can resume it). */
  track(workspaceId: string, computeName: string, operationState: string): Promise<ProvisioningProgress>;
}

/** Who is told what. Sending never fails the use case: a lost message is logged, the state is already stored. */
export interface ComputeRequestNotifier {
  /** Approvers: a new request awaits a decision (an Adaptive Card with a link). */
  requested(request: ComputeRequest, link: string | undefined): Promise<void>;
  /** The requester: approved, rejected or expired. */
  decided(request: ComputeRequest): Promise<void>;
  /** The requester: the cluster exists, or why it does not. */
  provisioned(request: ComputeRequest): Promise<void>;
}

/** Provisioning work, one message per step: sent on approval, and again with a delay while Azure creates the cluster. */
export interface ProvisioningQueue {
  enqueue(requestId: string, delaySeconds?: number): Promise<void>;
}

export interface ComputeRequestDeps {
  readonly store: ComputeRequestStore;
  readonly gateway: ComputeGateway;
  readonly provisioning: ProvisioningQueue;
  readonly notifier: ComputeRequestNotifier;
  readonly telemetry: Telemetry;
  readonly policy: Policy;
  readonly now: () => Date;
  readonly newId: () => string;
  /** Lines carry strings from callers and from Azure (a justification, a failure reason): the use cases escape them. */
  readonly log: Log;
}

/** The caller, as the HTTP edge authenticated them. */
export interface Caller {
  /** The object id (`oid`) in the app's tenant: tokens of other tenants never get this far. */
  readonly id: string;
  readonly name: string;
  readonly isApprover: boolean;
  /** `user` for a person's (delegated) token; `app` for an application's (app-only) one. */
  readonly kind: 'user' | 'app';
}
