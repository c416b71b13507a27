/**
 * A compute request and its lifecycle: `Pending` → `Approved` → `Provisioning` → `Succeeded` / `Failed`,
 * or `Pending` → `Rejected` / `Expired`. Every transition appends a history entry (who, when, comment),
 * so the request itself is the audit record. Pure: no I/O.
 */
import { AppError } from '../errors.js';
import type { VmPriority } from '../policy/computeRequestRules.js';

export const computeRequestStatuses = ['Pending', 'Rejected', 'Expired', 'Approved', 'Provisioning', 'Succeeded', 'Failed'] as const;
export type ComputeRequestStatus = (typeof computeRequestStatuses)[number];

/** Who acted: a user (from the bearer token) or the app itself (expiry, provisioning). */
export interface Actor {
  /** `oid` of a user; `aml-warden` for the app. */
  readonly id: string;
  /** The user's sign-in name; `aml-warden` for the app. */
  readonly name: string;
}

export const appActor: Actor = { id: 'aml-warden', name: 'aml-warden' };

export interface HistoryEntry {
  readonly status: ComputeRequestStatus;
  /** ISO-8601. */
  readonly at: string;
  readonly by: string;
  readonly byId: string;
  readonly comment?: string | undefined;
}

export interface ComputeRequest {
  readonly id: string;
  readonly status: ComputeRequestStatus;
  readonly requestedBy: string;
  readonly requestedById: string;
  /** The workspace's ARM resource id, as ARM spells it. */
  readonly workspaceId: string;
  readonly computeName: string;
  readonly vmSize: string;
  readonly maxNodeCount: number;
  readonly minNodeCount: number;
  readonly vmPriority: VmPriority;
  readonly justification: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** A Pending request not decided by then expires. */
  readonly expiresAt: string;
  readonly decidedBy?: string | undefined;
  readonly decidedAt?: string | undefined;
  /** The approver's comment or the rejection reason. */
  readonly decisionComment?: string | undefined;
  /** The compute's ARM id, once provisioning started. */
  readonly computeId?: string | undefined;
  /** Azure's reason, when provisioning failed. */
  readonly failureReason?: string | undefined;
  /** The serialized state of the running ARM operation, so any instance can resume tracking it. */
  readonly operationState?: string | undefined;
  readonly provisioningAttempts: number;
  readonly history: readonly HistoryEntry[];
}

/** Statuses after which nothing changes any more. */
export const terminalStatuses: ReadonlySet<ComputeRequestStatus> = new Set(['Rejected', 'Expired', 'Succeeded', 'Failed']);

const allowedTransitions: Readonly<Record<ComputeRequestStatus, readonly ComputeRequestStatus[]>> = {
  Pending: ['Approved', 'Rejected', 'Expired'],
  Approved: ['Provisioning'],
  Provisioning: ['Provisioning', 'Succeeded', 'Failed'],
  Rejected: [],
  Expired: [],
  Succeeded: [],
  Failed: [],
};

export interface TransitionOptions {
  readonly by: Actor;
  readonly at: Date;
  readonly comment?: string | undefined;
  /** Fields that change with the status (decision, failure reason, operation state). */
  readonly changes?: Partial<Omit<ComputeRequest, 'id' | 'status' | 'history' | 'updatedAt'>>;
}

/**
 * The request in its new status with a history entry for the move. Deciding a request that is no
 * longer Pending (and any other move the lifecycle does not have) is a `Conflict`.
 */
export function transition(request: ComputeRequest, to: ComputeRequestStatus, options: TransitionOptions): ComputeRequest {
  if (!allowedTransitions[request.status].includes(to)) {
    throw new AppError('Conflict', `compute request ${request.id} is ${request.status}; it cannot become ${to}`, {
      target: 'status',
      module: 'computeRequests',
    });
  }
  const at = options.at.toISOString();
  const entry: HistoryEntry = {
    status: to,
    at,
    by: options.by.name,
    byId: options.by.id,
    ...(options.comment === undefined ? {} : { comment: options.comment }),
  };
  return { ...request, ...options.changes, status: to, updatedAt: at, history: [...request.history, entry] };
}

/** Requesters see their own requests; approvers see all. */
export function canSee(request: ComputeRequest, viewer: { readonly id: string; readonly isApprover: boolean }): boolean {
  return viewer.isApprover || request.requestedById === viewer.id;
}

/** What callers get back: everything but the internal operation state. */
export type ComputeRequestView = Omit<ComputeRequest, 'operationState'>;

export function toView(request: ComputeRequest): ComputeRequestView {
  const { operationState: _operationState, ...view } = request;
  return view;
}

/** Tag on the provisioned compute naming the request that created it. */
export const requestTagName = 'aml-warden-request';
