import { expect, test } from 'vitest';
import { loadPolicyFile, policyWith } from './policyTestKit.js';

const retrainTarget = { retrain: { kind: 'webhook', url: 'https://example.test/retrain', signingSecretName: 'cd-webhook-signing-key' } };

test('the playground retrains churn-* monitors through pipeline 2, naming the monitor by the MonitorName dimension', () => {
  expect(loadPolicyFile('policy/playground.yaml').modelMonitoring).toEqual({ monitorDimension: 'MonitorName', rules: [{ monitors: ['churn-*'], target: 'retrain' }] });
});

test('a rule naming a target that cd.targets lacks is refused with its path', () => {
  expect(() => policyWith({ cd: { targets: retrainTarget }, modelMonitoring: { rules: [{ monitors: ['*'], target: 'retrian' }] } })).toThrow(/modelMonitoring\.rules\[0\]\.target: unknown target .retrian./);
});

test('a rule without monitors, or with an unknown key, is refused naming the field', () => {
  expect(() => policyWith({ cd: { targets: retrainTarget }, modelMonitoring: { rules: [{ monitors: [], target: 'retrain' }] } })).toThrow(/modelMonitoring\.rules\[0\]\.monitors/);
  expect(() => policyWith({ cd: { targets: retrainTarget }, modelMonitoring: { rules: [{ monitor: ['x'], target: 'retrain' }] } })).toThrow(/monitor/);
});
