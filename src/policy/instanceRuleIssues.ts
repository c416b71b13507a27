import { parseIsoDuration } from './duration.js';
import { AZURE_IDLE_SHUTDOWN_MAX_MS, AZURE_IDLE_SHUTDOWN_MIN_MS } from './instanceRules.js';
import type { InstanceScalingRules } from './policySchema.js';

/** A consistency problem in the compute-instance rules, at a path under `scaling.instances`. */
export interface InstanceRuleIssue {
  readonly field: 'minIdleTimeBeforeShutdown' | 'maxIdleTimeBeforeShutdown';
  readonly message: string;
}

/**
 * Idle-shutdown bounds Azure could never satisfy: outside its 15 minutes to 3 days (see `instanceRules.ts`), or a
 * minimum above the maximum. Checked on the effective rules, so an override that breaks the base's range is caught.
 */
export function instanceRuleIssues(rules: InstanceScalingRules): InstanceRuleIssue[] {
  const issues: InstanceRuleIssue[] = [];
  const bounds = [
    ['minIdleTimeBeforeShutdown', rules.minIdleTimeBeforeShutdown],
    ['maxIdleTimeBeforeShutdown', rules.maxIdleTimeBeforeShutdown],
  ] as const;
  for (const [field, value] of bounds) {
    const ms = value === undefined ? undefined : parseIsoDuration(value);
    if (ms === undefined) continue;
    if (ms < AZURE_IDLE_SHUTDOWN_MIN_MS) issues.push({ field, message: `${field} ${value} is below Azure's shortest idle shutdown, PT15M` });
    if (ms > AZURE_IDLE_SHUTDOWN_MAX_MS) issues.push({ field, message: `${field} ${value} is above Azure's longest idle shutdown, P3D` });
  }
  const min = rules.minIdleTimeBeforeShutdown;
  const max = rules.maxIdleTimeBeforeShutdown;
  if (min !== undefined && max !== undefined && (parseIsoDuration(min) ?? 0) > (parseIsoDuration(max) ?? 0)) {
    issues.push({ field: 'minIdleTimeBeforeShutdown', message: `minIdleTimeBeforeShutdown ${min} is above maxIdleTimeBeforeShutdown ${max}` });
  }
  return issues;
}
