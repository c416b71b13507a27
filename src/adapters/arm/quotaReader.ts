/**
 * Azure ML compute quota of a subscription in a region through `@azure/arm-machinelearning`: `Usages_List` and
 * `Quotas_List` (azure-rest-api-specs `Microsoft.MachineLearningServices/stable/2024-04-01/machineLearningServices.json`;
 * the SDK speaks 2022-10-01, whose `Usage` and `ResourceQuota` are the same shapes), each followed through `nextLink`
 * by the SDK's pager. Only what utilization needs is kept.
 */
import type { LocationQuota, QuotaEntry } from '../../policy/quotaRules.js';
import type { QuotaReader } from '../../sweep/quota/ports.js';
import type { MachineLearningClientFactory } from './machineLearning.js';

interface ListedEntry {
  readonly id?: string | undefined;
  readonly type?: string | undefined;
  readonly name?: { readonly value?: string | undefined; readonly localizedValue?: string | undefined } | undefined;
  readonly limit?: number | undefined;
  readonly currentValue?: number | undefined;
}

function entryOf(listed: ListedEntry): QuotaEntry | undefined {
  if (listed.id === undefined || listed.type === undefined) return undefined;
  return { id: listed.id, type: listed.type, displayName: listed.name?.localizedValue ?? listed.name?.value, currentValue: listed.currentValue, limit: listed.limit };
}

async function collect(pages: AsyncIterable<ListedEntry>): Promise<QuotaEntry[]> {
  const entries: QuotaEntry[] = [];
  for await (const listed of pages) {
    const entry = entryOf(listed);
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

export function createQuotaReader(clientFor: MachineLearningClientFactory): QuotaReader {
  return {
    async read(subscriptionId, location): Promise<LocationQuota> {
      const client = await clientFor(subscriptionId);
      const [usages, quotas] = await Promise.all([collect(client.usages.list(location)), collect(client.quotas.list(location))]);
      return { subscriptionId, location, usages, quotas };
    },
  };
}
