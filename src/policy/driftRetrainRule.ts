import { firstMatchingGlob } from './glob.js';
import type { CdTarget, Policy } from './policySchema.js';

export type DriftRetrainDecision =
  | { readonly retrain: true; readonly targetName: string; readonly target: CdTarget }
  | { readonly retrain: false; readonly reason: string };

/** Whether drift detected on a dataset should start retraining, and through which CD target. */
export function matchDriftRetrain(subject: { readonly datasetName?: string | undefined }, policy: Policy): DriftRetrainDecision {
  const drift = policy.driftRetrain;
  if (!drift?.enabled || drift.target === undefined) return { retrain: false, reason: 'driftRetrain is not enabled' };
  if (drift.datasets) {
    if (subject.datasetName === undefined) return { retrain: false, reason: 'the drift event names no dataset' };
    if (firstMatchingGlob(drift.datasets, subject.datasetName) === undefined) {
      return { retrain: false, reason: `dataset '${subject.datasetName}' matches none of ${drift.datasets.join(', ')}` };
    }
  }
  const target = policy.cd.targets[drift.target];
  // The document's reference check guarantees the target exists; this guards hand-built policies.
  if (!target) return { retrain: false, reason: `driftRetrain.target '${drift.target}' is not defined` };
  return { retrain: true, targetName: drift.target, target };
}
