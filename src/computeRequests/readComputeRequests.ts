/** Reading requests: requesters see only their own, approvers see all (someone else's request reads as not found). */
import { AppError } from '../errors.js';
import { canSee, toView, type ComputeRequestView } from './computeRequest.js';
import type { Caller, ComputeRequestDeps } from './ports.js';
import type { ListComputeRequestsFilter } from './computeRequestSchemas.js';

export async function getComputeRequest(deps: Pick<ComputeRequestDeps, 'store'>, caller: Caller, id: string): Promise<ComputeRequestView> {
  const found = await deps.store.get(id);
  // Not revealing whether another user's request exists.
  if (found === undefined || !canSee(found.request, caller)) {
    throw new AppError('NotFound', `compute request ${id} was not found`, { target: 'id', module: 'computeRequests' });
  }
  return toView(found.request);
}

export async function listComputeRequests(
  deps: Pick<ComputeRequestDeps, 'store'>,
  caller: Caller,
  filter: ListComputeRequestsFilter,
): Promise<ComputeRequestView[]> {
  const found = await deps.store.list({
    status: filter.status,
    workspaceId: filter.workspaceId,
    requestedBy: filter.requestedBy,
    ...(caller.isApprover ? {} : { requestedById: caller.id }),
  });
  return found.map(({ request }) => toView(request));
}
