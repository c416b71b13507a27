/**
 * The audit trail: every evaluation that found something and every change made, with the policy rule
 * that caused it and the fields before and after, in Table Storage (table `audit`). One entity per
 * evaluation, keyed by resource so a resource's history is one partition, newest first.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { AuditEntry, AuditTrail } from '../../governance/ports.js';
import type { Finding, Patch } from '../../policy/findings.js';
import { toKey, type StateStore, type StateTable } from './tableState.js';

const entitySchema = z.object({
  resourceId: z.string(),
  resourceType: z.enum(['workspace', 'compute', 'onlineDeployment']),
  source: z.enum(['event', 'sweep']),
  correlationId: z.string(),
  outcome: z.enum(['violations', 'remediated', 'ineffective', 'deferred', 'failed']),
  rules: z.string(),
  findingsJson: z.string(),
  changeJson: z.string().optional(),
  deferredJson: z.string().optional(),
  note: z.string().optional(),
  at: z.string(),
});
type AuditEntity = z.infer<typeof entitySchema>;

// Table Storage properties hold at most 64 KiB (32K UTF-16 characters).
const MAX_PROPERTY_CHARS = 30_000;
const MAX_TIME = 9_999_999_999_999;

function partitionOf(resourceId: string): string {
  return toKey(resourceId.toLowerCase());
}

/** Newest first: the row key sorts by inverted time, with a random tail so two entries in a millisecond never collide. */
function rowKeyFor(at: string): string {
  return `${String(MAX_TIME - Date.parse(at)).padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
}

function json(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= MAX_PROPERTY_CHARS ? text : JSON.stringify({ truncated: true, length: text.length });
}

export function createAuditTrail(state: StateStore): AuditTrail {
  return new TableAuditTrail(state.table('audit', entitySchema));
}

class TableAuditTrail implements AuditTrail {
  readonly #table: StateTable<AuditEntity>;

  constructor(table: StateTable<AuditEntity>) {
    this.#table = table;
  }

  async record(entry: AuditEntry): Promise<void> {
    const rules = new Set(entry.findings.map((finding) => finding.rule));
    await this.#table.upsert({
      partitionKey: partitionOf(entry.resourceId),
      rowKey: rowKeyFor(entry.at),
      resourceId: entry.resourceId,
      resourceType: entry.resourceType,
      source: entry.source,
      correlationId: entry.correlationId,
      outcome: entry.outcome,
      rules: [...rules].join(','),
      findingsJson: json(entry.findings),
      ...(entry.change === undefined ? {} : { changeJson: json(entry.change) }),
      ...(entry.deferred === undefined ? {} : { deferredJson: json(entry.deferred) }),
      ...(entry.note === undefined ? {} : { note: entry.note.slice(0, MAX_PROPERTY_CHARS) }),
      at: entry.at,
    });
  }

  async history(resourceId: string, limit = 100): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for await (const { entity } of this.#table.query([{ property: 'partitionKey', op: 'eq', value: partitionOf(resourceId) }])) {
      entries.push({
        resourceId: entity.resourceId,
        resourceType: entity.resourceType,
        source: entity.source,
        correlationId: entity.correlationId,
        outcome: entity.outcome,
        findings: JSON.parse(entity.findingsJson) as Finding[],
        change: entity.changeJson === undefined ? undefined : (JSON.parse(entity.changeJson) as AuditEntry['change']),
        deferred: entity.deferredJson === undefined ? undefined : (JSON.parse(entity.deferredJson) as AuditEntry['deferred']),
        note: entity.note,
        at: entity.at,
      });
      if (entries.length >= limit) break;
    }
    return entries;
  }
}
