import { expect, test } from 'vitest';
import { matchDriftRetrain } from '../../src/policy/driftRetrainRule.js';
import { loadPolicyFile, policyWith } from './policyTestKit.js';

test('the playground retrains through pipeline 2 on drift of any dataset', () => {
  const decision = matchDriftRetrain({ datasetName: 'diabetes-scoring' }, loadPolicyFile('policy/playground.yaml'));
  expect(decision).toMatchObject({ retrain: true, targetName: 'retrain', target: { kind: 'azureDevOps', pipelineId: 2 } });
});

test('drift retraining is off unless enabled', () => {
  expect(matchDriftRetrain({ datasetName: 'x' }, loadPolicyFile('policy/default.yaml'))).toEqual({ retrain: false, reason: 'driftRetrain is not enabled' });
});

test('dataset patterns limit which drift retrains', () => {
  const policy = policyWith({
    cd: { targets: { retrain: { kind: 'webhook', url: 'https://example.test/retrain', signingSecretName: 'cd-webhook-signing-key' } } },
    driftRetrain: { enabled: true, target: 'retrain', datasets: ['scoring-*'] },
  });
  expect(matchDriftRetrain({ datasetName: 'Scoring-eu' }, policy)).toMatchObject({ retrain: true, targetName: 'retrain' });
  expect(matchDriftRetrain({ datasetName: 'training' }, policy)).toEqual({ retrain: false, reason: "dataset 'training' matches none of scoring-*" });
  expect(matchDriftRetrain({}, policy)).toEqual({ retrain: false, reason: 'the drift event names no dataset' });
});
