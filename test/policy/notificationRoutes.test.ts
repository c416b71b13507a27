import { describe, expect, test } from 'vitest';
import { channelDefinition, channelFor, channelForEvent, routeFailedRun } from '../../src/policy/notificationRoutes.js';
import { loadPolicyFile, policyWith } from './policyTestKit.js';

const channels = {
  teams: { kind: 'teams', urlSecretName: 'teams-webhook-url' },
  slack: { kind: 'slack', urlSecretName: 'slack-webhook-url' },
};

describe('failed-run routing', () => {
  const policy = policyWith({
    notifications: {
      channels,
      failedRuns: {
        routes: [
          { experiments: ['scratch*'], mute: true },
          { workspaces: ['mlw-fraud*'], experiments: ['train*'], channel: 'slack' },
          { workspaces: ['mlw-fraud*'], channel: 'teams' },
        ],
        defaultChannel: 'teams',
      },
      events: { RunCompleted: 'slack' },
    },
  });

  test('the first matching route wins', () => {
    expect(routeFailedRun({ workspaceName: 'mlw-fraud-eu', experimentName: 'train-gbm' }, policy)).toBe('slack');
    expect(routeFailedRun({ workspaceName: 'mlw-fraud-eu', experimentName: 'score' }, policy)).toBe('teams');
  });

  test('a muted route sends nothing even where a later route would match', () => {
    expect(routeFailedRun({ workspaceName: 'mlw-fraud-eu', experimentName: 'scratch-alice' }, policy)).toBeUndefined();
  });

  test('runs no route matches go to the default channel; a route on experiments skips runs without one', () => {
    expect(routeFailedRun({ workspaceName: 'mlw-demo', experimentName: 'automl-local-regression' }, policy)).toBe('teams');
    expect(routeFailedRun({ workspaceName: 'mlw-fraud-eu' }, policy)).toBe('teams');
  });

  test('without routes or a default channel nothing is sent', () => {
    expect(routeFailedRun({ workspaceName: 'mlw-demo', experimentName: 'x' }, loadPolicyFile('policy/default.yaml'))).toBeUndefined();
  });

  test('the playground sends every failed run to teams', () => {
    expect(routeFailedRun({ workspaceName: 'mlw-demo', experimentName: 'automl-local-regression' }, loadPolicyFile('policy/playground.yaml'))).toBe('teams');
  });

  test('informational events resolve by short name or full Event Grid type', () => {
    expect(channelForEvent('RunCompleted', policy)).toBe('slack');
    expect(channelForEvent('Microsoft.MachineLearningServices.RunCompleted', policy)).toBe('slack');
    expect(channelForEvent('Microsoft.MachineLearningServices.ModelDeployed', policy)).toBeUndefined();
    expect(channelForEvent('toString', policy)).toBeUndefined();
  });
});

test('violations, approvals and CD failures go where the policy says; channel definitions resolve by name', () => {
  const playground = loadPolicyFile('policy/playground.yaml');
  expect([channelFor('violations', playground), channelFor('approvals', playground), channelFor('cd', playground)]).toEqual(['teams', 'teams', 'teams']);
  expect(channelDefinition('teams', playground)).toEqual({ kind: 'teams', urlSecretName: 'teams-webhook-url' });
  expect(channelDefinition('constructor', playground)).toBeUndefined();
  expect(channelFor('violations', loadPolicyFile('policy/default.yaml'))).toBeUndefined();
});
