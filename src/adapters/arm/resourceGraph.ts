/**
 * Azure ML workspaces across subscriptions from Azure Resource Graph (`POST /providers/Microsoft.ResourceGraph/
 * resources`, 2021-03-01): one query for all subscriptions, paged with `$skipToken`. Resource Graph allows a
 * few queries per user per window: when `x-ms-user-quota-remaining` reaches 0 the next page waits for
 * `x-ms-user-quota-resets-after`; a 429 waits its Retry-After (`ArmRequester`).
 */
import { parseWorkspace, type WorkspaceResource } from '../../policy/resources.js';
import { isAppError } from '../../errors.js';
import type { SubscriptionProblem, WorkspaceInventory, WorkspacePage } from '../../sweep/ports.js';
import { armUrl, sleep as defaultSleep, type ArmRequester } from './armRequest.js';

export const RESOURCE_GRAPH_API_VERSION = '2021-03-01';
/** Resource Graph answers at most 1000 rows per page. */
const PAGE_SIZE = 1000;
/** Subscriptions per query, as Resource Graph allows. */
const SUBSCRIPTIONS_PER_QUERY = 1000;

export const WORKSPACES_QUERY =
  "Resources | where type =~ 'microsoft.machinelearningservices/workspaces' | project id, name, type, location, resourceGroup, subscriptionId, tags | order by id asc";

export interface ResourceGraphOptions {
  readonly armEndpoint: string;
  readonly requester: ArmRequester;
  readonly pageSize?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** `hh:mm:ss` (or `d.hh:mm:ss`) → ms. */
export function parseQuotaResetsAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(?:(\d+)\.)?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value.trim());
  if (!match) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return ((Number(days) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000;
}

/** Every workspace in the subscriptions, page by page. */
export async function* listWorkspaces(subscriptions: readonly string[], options: ResourceGraphOptions): AsyncGenerator<WorkspacePage> {
  const sleep = options.sleep ?? defaultSleep;
  const url = armUrl(options.armEndpoint, '/providers/Microsoft.ResourceGraph/resources', RESOURCE_GRAPH_API_VERSION);
  let waitBeforeNext = 0;
  for (let start = 0; start < subscriptions.length; start += SUBSCRIPTIONS_PER_QUERY) {
    const batch = subscriptions.slice(start, start + SUBSCRIPTIONS_PER_QUERY);
    const [first] = batch;
    if (first === undefined) continue;
    let skipToken: string | undefined;
    do {
      if (waitBeforeNext > 0) await sleep(waitBeforeNext);
      const answer = await options.requester.send({
        subscriptionId: first,
        method: 'POST',
        url,
        body: {
          subscriptions: batch,
          query: WORKSPACES_QUERY,
          options: { $top: options.pageSize ?? PAGE_SIZE, resultFormat: 'objectArray', ...(skipToken === undefined ? {} : { $skipToken: skipToken }) },
        },
        what: 'Querying Resource Graph for workspaces',
      });
      const remaining = Number(answer.headers['x-ms-user-quota-remaining']);
      waitBeforeNext = answer.headers['x-ms-user-quota-remaining'] !== undefined && remaining <= 0 ? (parseQuotaResetsAfter(answer.headers['x-ms-user-quota-resets-after']) ?? 5000) : 0;
      const body = typeof answer.body === 'object' && answer.body !== null ? answer.body : {};
      const rows = 'data' in body && Array.isArray(body.data) ? (body.data as unknown[]) : [];
      skipToken = '$skipToken' in body && typeof body.$skipToken === 'string' && body.$skipToken !== '' ? body.$skipToken : undefined;
      yield parseRows(rows);
    } while (skipToken !== undefined);
  }
}

function parseRows(rows: readonly unknown[]): WorkspacePage {
  const workspaces: WorkspaceResource[] = [];
  const unreadable: { id: string; problem: string }[] = [];
  for (const row of rows) {
    try {
      workspaces.push(parseWorkspace(row));
    } catch (error) {
      const id = typeof row === 'object' && row !== null && 'id' in row && typeof row.id === 'string' ? row.id : '(no id)';
      unreadable.push({ id, problem: error instanceof Error ? error.message : String(error) });
    }
  }
  return { workspaces, unreadable };
}

/**
 * Subscriptions - Get (`GET /subscriptions/{id}`, Microsoft.Resources 2022-12-01): Resource Graph leaves out a
 * subscription it cannot see without saying so, so each one is read first. ARM answers 404 SubscriptionNotFound
 * for an unknown id (Microsoft Learn, "Resolve errors for resource not found") and 403 where the identity holds
 * no role on it; a subscription whose `state` is Disabled or Deleted has nothing to sweep either.
 */
export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';

async function unreadableSubscriptions(subscriptions: readonly string[], options: ResourceGraphOptions): Promise<SubscriptionProblem[]> {
  const problems: SubscriptionProblem[] = [];
  for (const subscriptionId of subscriptions) {
    try {
      const answer = await options.requester.send({
        subscriptionId,
        method: 'GET',
        url: armUrl(options.armEndpoint, `/subscriptions/${encodeURIComponent(subscriptionId)}`, SUBSCRIPTIONS_API_VERSION),
        what: `Reading subscription ${subscriptionId}`,
      });
      const state = typeof answer.body === 'object' && answer.body !== null && 'state' in answer.body && typeof answer.body.state === 'string' ? answer.body.state : undefined;
      if (state === 'Disabled' || state === 'Deleted') problems.push({ subscriptionId, problem: `subscription ${subscriptionId} is ${state}` });
    } catch (error) {
      if (!isAppError(error) || (error.code !== 'NotFound' && error.code !== 'Forbidden')) throw error;
      problems.push({
        subscriptionId,
        problem: error.code === 'NotFound' ? `subscription ${subscriptionId} was not found (${error.message})` : `subscription ${subscriptionId} cannot be read by the app's identity (${error.message})`,
      });
    }
  }
  return problems;
}

/** The workspaces of a sweep's subscriptions, from Resource Graph, and which subscriptions cannot be swept. */
export function createWorkspaceInventory(options: ResourceGraphOptions): WorkspaceInventory {
  return { list: (subscriptions) => listWorkspaces(subscriptions, options), unreadableSubscriptions: (subscriptions) => unreadableSubscriptions(subscriptions, options) };
}
