import type { Router } from '../router.js';
import { COMPUTE_TYPE, type ArmResource } from '../state.js';
import { armHandler, badRequest, isRecord, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { listPage } from './paging.js';

const LOCATION = '/subscriptions/{subscriptionId}/providers/Microsoft.MachineLearningServices/locations/{location}';
/** The spec's `location` path parameter pattern (`Usages_List`, `Quotas_List`). */
const LOCATION_PATTERN = /^[-\w._]+$/;

/**
 * VM sizes the emulator knows: quota family and vCPUs. Sources: Microsoft Learn VM size pages —
 * https://learn.microsoft.com/azure/virtual-machines/sizes/general-purpose/dsv2-series (DS1_v2 1 … DS5_v2 16),
 * …/general-purpose/dv2-series, …/general-purpose/dsv3-series, …/compute-optimized/fsv2-series,
 * …/memory-optimized/esv3-series, …/gpu-accelerated/ncast4v3-series, …/gpu-accelerated/ncv3-series and the retired NC
 * series (https://learn.microsoft.com/azure/virtual-machines/sizes/retirement/nc-series-retirement; NC6 6, NC12 12, NC24 24). Family names
 * as Azure ML's usages name them (`examples/Usage/list.json` of the 2024-04-01 spec: `Standard DSv2 Family …`).
 */
const VM_SIZES: Readonly<Record<string, { readonly family: string; readonly cores: number }>> = {
  standard_ds1_v2: { family: 'DSv2', cores: 1 },
  standard_ds2_v2: { family: 'DSv2', cores: 2 },
  standard_ds3_v2: { family: 'DSv2', cores: 4 },
  standard_ds4_v2: { family: 'DSv2', cores: 8 },
  standard_ds5_v2: { family: 'DSv2', cores: 16 },
  standard_d1_v2: { family: 'Dv2', cores: 1 },
  standard_d2_v2: { family: 'Dv2', cores: 2 },
  standard_d3_v2: { family: 'Dv2', cores: 4 },
  standard_d4_v2: { family: 'Dv2', cores: 8 },
  standard_d2s_v3: { family: 'DSv3', cores: 2 },
  standard_d4s_v3: { family: 'DSv3', cores: 4 },
  standard_d8s_v3: { family: 'DSv3', cores: 8 },
  standard_f2s_v2: { family: 'FSv2', cores: 2 },
  standard_f4s_v2: { family: 'FSv2', cores: 4 },
  standard_f8s_v2: { family: 'FSv2', cores: 8 },
  standard_e4s_v3: { family: 'ESv3', cores: 4 },
  standard_e8s_v3: { family: 'ESv3', cores: 8 },
  standard_nc4as_t4_v3: { family: 'NCASv3_T4', cores: 4 },
  standard_nc8as_t4_v3: { family: 'NCASv3_T4', cores: 8 },
  standard_nc16as_t4_v3: { family: 'NCASv3_T4', cores: 16 },
  standard_nc6: { family: 'NC', cores: 6 },
  standard_nc12: { family: 'NC', cores: 12 },
  standard_nc24: { family: 'NC', cores: 24 },
  standard_nc6s_v3: { family: 'NCSv3', cores: 6 },
  standard_nc12s_v3: { family: 'NCSv3', cores: 12 },
  standard_nc24s_v3: { family: 'NCSv3', cores: 24 },
};

/**
 * The emulated subscriptions' quota: dedicated vCPUs per family per region (the spec example's 24 for most
 * families, 0 for GPU families a new subscription must request), the regional dedicated total, and low priority
 * with its `-1` ("no per-family limit") under a regional total of 50, as in `examples/Usage/list.json`.
 */
const DEDICATED_FAMILY_LIMITS: Readonly<Record<string, number>> = { DSv2: 24, Dv2: 24, DSv3: 24, FSv2: 24, ESv3: 24, NC: 24, NCASv3_T4: 8, NCSv3: 0 };
const DEDICATED_REGIONAL_LIMIT = 100;
const LOW_PRIORITY_REGIONAL_LIMIT = 50;

type Priority = 'Dedicated' | 'LowPriority';

interface CoreUse {
  readonly workspaceId: string;
  readonly family: string;
  readonly priority: Priority;
  readonly cores: number;
}

/** vCPUs a compute holds now: a cluster's current nodes, a running instance's one VM. */
function coreUseOf(compute: ArmResource, workspaceId: string): CoreUse | undefined {
  const typeProperties = isRecord(compute.properties['properties']) ? compute.properties['properties'] : {};
  const size = VM_SIZES[String(typeProperties['vmSize'] ?? '').toLowerCase()];
  if (size === undefined) return undefined;
  const computeType = compute.properties['computeType'];
  const nodes =
    computeType === 'AmlCompute'
      ? Number(typeProperties['currentNodeCount'] ?? 0) || 0
      : computeType === 'ComputeInstance' && typeProperties['state'] !== 'Stopped'
        ? 1
        : 0;
  const priority: Priority = typeProperties['vmPriority'] === 'LowPriority' ? 'LowPriority' : 'Dedicated';
  return { workspaceId, family: size.family, priority, cores: nodes * size.cores };
}

const quotaName = (family: string, priority: Priority) => `Standard_${family}_Family_Cluster_${priority}_vCPUs`;
const displayName = (family: string, priority: Priority) => `Standard ${family} Family Cluster ${priority} vCPUs`;
const familyLimit = (family: string, priority: Priority) => (priority === 'LowPriority' ? -1 : (DEDICATED_FAMILY_LIMITS[family] ?? 0));

/**
 * Azure ML compute quota of a subscription in a region. Sources: azure-rest-api-specs
 * `Microsoft.MachineLearningServices/stable/2024-04-01/machineLearningServices.json`, `Usages_List`
 * (`ListUsagesResult` of `Usage`) and `Quotas_List` (`ListWorkspaceQuotas` of `ResourceQuota`), both pageable by
 * `nextLink`; shapes and `type`s as in `examples/Usage/list.json` and `examples/Quota/update.json`
 * (`Microsoft.MachineLearningServices/workspaces/quotas`). Usage is counted from the emulated computes — clusters and
 * compute instances share Azure ML's per-family quota (https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas);
 * a workspace's quota defaults to the subscription's family limit, so `Quotas_List` answers that.
 */
export function mount(router: Router, services: ArmServices): void {
  const { state, context } = services;

  const read = (params: Readonly<Record<string, string>>): { subscriptionId: string; location: string; uses: CoreUse[]; workspaces: ArmResource[] } => {
    const subscriptionId = params['subscriptionId'] ?? '';
    const location = params['location'] ?? '';
    if (!state.hasSubscription(subscriptionId)) refuse(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
    if (!LOCATION_PATTERN.test(location)) badRequest('location', `'${location}' does not match the pattern ^[-\\w\\._]+$.`);
    const workspaces = state.workspacesOfSubscription(subscriptionId).filter((workspace) => (workspace.location ?? '').toLowerCase() === location.toLowerCase());
    const uses = workspaces.flatMap((workspace) =>
      state.children(workspace.id, COMPUTE_TYPE).flatMap((compute) => {
        const use = coreUseOf(compute, workspace.id);
        return use === undefined ? [] : [use];
      }),
    );
    return { subscriptionId, location, uses, workspaces };
  };

  const sum = (uses: readonly CoreUse[], match: (use: CoreUse) => boolean) => uses.filter(match).reduce((total, use) => total + use.cores, 0);

  router.add(
    'GET',
    `${LOCATION}/usages`,
    armHandler((request) => {
      const { subscriptionId, location, uses, workspaces } = read(request.params);
      const subscription = `/subscriptions/${subscriptionId}`;
      const entry = (id: string, type: string, name: string, currentValue: number, limit: number) => ({
        id,
        amlWorkspaceLocation: location,
        type: `Microsoft.MachineLearningServices/${type}`,
        currentValue,
        limit,
        name: { value: name, localizedValue: name },
        unit: 'Count',
      });
      const items: unknown[] = [
        entry(`${subscription}/usages`, 'dedicatedCores/usages', 'Total Cluster Dedicated Regional vCPUs', sum(uses, (u) => u.priority === 'Dedicated'), DEDICATED_REGIONAL_LIMIT),
        entry(`${subscription}/usages`, 'lowPriorityCores/usages', 'Total Cluster LowPriority Regional vCPUs', sum(uses, (u) => u.priority === 'LowPriority'), LOW_PRIORITY_REGIONAL_LIMIT),
      ];
      for (const priority of ['Dedicated', 'LowPriority'] as const) {
        for (const family of Object.keys(DEDICATED_FAMILY_LIMITS)) {
          const name = quotaName(family, priority);
          const limit = familyLimit(family, priority);
          items.push(entry(`${subscription}/usages/${name}`, 'vmFamily/usages', displayName(family, priority), sum(uses, (u) => u.family === family && u.priority === priority), limit));
          for (const workspace of workspaces) {
            const current = sum(uses, (u) => u.workspaceId === workspace.id && u.family === family && u.priority === priority);
            if (current > 0) items.push(entry(`${workspace.id}/usages/${name}`, 'workspaces/usages', displayName(family, priority), current, limit));
          }
        }
      }
      return listPage(items, request, context.baseUrl, services.pageSize, (item) => item);
    }),
  );

  router.add(
    'GET',
    `${LOCATION}/quotas`,
    armHandler((request) => {
      const { location, uses, workspaces } = read(request.params);
      const items = workspaces.flatMap((workspace) =>
        [...new Set(uses.filter((use) => use.workspaceId === workspace.id).map((use) => `${use.family}|${use.priority}`))].sort().map((key) => {
          const [family = '', priority = 'Dedicated'] = key.split('|') as [string, Priority];
          const name = quotaName(family, priority);
          return {
            id: `${workspace.id}/quotas/${name}`,
            amlWorkspaceLocation: location,
            type: 'Microsoft.MachineLearningServices/workspaces/quotas',
            name: { value: name, localizedValue: displayName(family, priority) },
            limit: familyLimit(family, priority),
            unit: 'Count',
          };
        }),
      );
      return listPage(items, request, context.baseUrl, services.pageSize, (item) => item);
    }),
  );
}
