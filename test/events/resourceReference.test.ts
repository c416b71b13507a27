import { describe, expect, it } from 'vitest';
import { findWorkspace, parseResourceReference } from '../../src/events/resourceReference.js';

const workspaceId =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';

describe('parseResourceReference', () => {
  it('recognises a workspace id and rebuilds its canonical id', () => {
    expect(parseResourceReference(workspaceId)).toEqual({
      workspace: {
        subscriptionId: '11111111-1111-1111-1111-111111111111',
        resourceGroup: 'rg-mlops-demo',
        workspaceName: 'mlw-demo',
        id: workspaceId,
      },
      kind: 'workspace',
      computeName: null,
    });
  });

  it('matches the fixed segments without regard to case, as ARM does, and keeps names verbatim', () => {
    const reference = parseResourceReference(
      '/SUBSCRIPTIONS/Sub/resourcegroups/RG-Mixed/providers/microsoft.machinelearningservices/Workspaces/WS/COMPUTES/Cpu/',
    );
    expect(reference.kind).toBe('compute');
    expect(reference.computeName).toBe('Cpu');
    expect(reference.workspace?.id).toBe(
      '/subscriptions/Sub/resourceGroups/RG-Mixed/providers/Microsoft.MachineLearningServices/workspaces/WS',
    );
  });

  it('classifies other resources under a workspace as "other" but still names the workspace', () => {
    const reference = parseResourceReference(`${workspaceId}/models/m/versions/1`);
    expect(reference.kind).toBe('other');
    expect(reference.workspace?.workspaceName).toBe('mlw-demo');
  });

  it('classifies resources outside Azure ML as "other" with no workspace', () => {
    expect(parseResourceReference('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st')).toEqual({
      workspace: null,
      kind: 'other',
      computeName: null,
    });
    expect(parseResourceReference('models/sklearn_regression_model:20').workspace).toBeNull();
  });

  it('keeps docs placeholders as names', () => {
    expect(
      parseResourceReference(
        '/subscriptions/{subscription-id}/resourceGroups/{resource-group-name}/providers/Microsoft.MachineLearningServices/workspaces/{workspace-name}',
      ).workspace?.subscriptionId,
    ).toBe('{subscription-id}');
  });
});

describe('findWorkspace', () => {
  it('prefers the topic/source and falls back to the subject', () => {
    expect(findWorkspace(workspaceId, 'models/m:1')?.workspaceName).toBe('mlw-demo');
    expect(findWorkspace('/subscriptions/s/resourceGroups/rg', `${workspaceId}/computes/c`)?.workspaceName).toBe('mlw-demo');
    expect(findWorkspace('/subscriptions/s/resourceGroups/rg', '/subscriptions/s/resourceGroups/rg')).toBeNull();
  });
});
