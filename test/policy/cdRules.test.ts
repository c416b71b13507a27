import { describe, expect, test } from 'vitest';
import { matchCdRules, type CdMatchInput } from '../../src/policy/cdRules.js';
import { readPublishedFixture } from '../helpers/publishedFixtures.js';
import { armResponse, loadPolicyFile, policyWith } from './policyTestKit.js';

const playgroundPolicy = loadPolicyFile('policy/playground.yaml');
const workspace = {
  id: '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo',
  name: 'mlw-demo',
};

/** The documented ModelRegistered delivery: model sklearn_regression_model version 20, tags area/type. */
const registered = (JSON.parse(
  readPublishedFixture('events/eventgrid-ModelRegistered.json'),
) as { data: { ModelName: string; ModelVersion: number; ModelTags: Record<string, string> } }[])[0]?.data;
if (!registered) throw new Error('fixture without an event');

const model = { name: registered.ModelName, version: registered.ModelVersion, tags: registered.ModelTags };

const input = (changes: Partial<CdMatchInput> = {}): CdMatchInput => ({ workspace, model, ...changes });

describe('the playground CD rule (experiment retrain* OR model tag retrained=true)', () => {
  test('a model from a retrain experiment goes to model-cd, the Azure DevOps pipeline 1', () => {
    const result = matchCdRules(input({ job: { name: 'job-1', experimentName: 'retrain-diabetes', tags: {} } }), playgroundPolicy);
    expect(result.skipped).toBeUndefined();
    expect(result.matches.map((match) => match.targetName)).toEqual(['model-cd']);
    expect(result.matches[0]?.target).toMatchObject({ kind: 'azureDevOps', pipelineId: 1 });
    expect(result.matches[0]?.rule.name).toBe('retrained-models');
  });

  test('a model tagged retrained=true goes to CD whatever its experiment', () => {
    const tagged = input({ model: { ...model, tags: { ...model.tags, retrained: 'True' } }, job: { name: 'j', experimentName: 'adhoc', tags: {} } });
    expect(matchCdRules(tagged, playgroundPolicy).matches).toHaveLength(1);
  });

  test('the parent pipeline job’s experiment counts', () => {
    const child = input({ job: { name: 'train-step', experimentName: 'adhoc', tags: {}, parent: { experimentName: 'Retrain-Weekly', tags: {} } } });
    expect(matchCdRules(child, playgroundPolicy).matches).toHaveLength(1);
  });

  test('an ad-hoc model is skipped with a reason naming both conditions', () => {
    const result = matchCdRules(input({ job: { name: 'job-2', experimentName: 'adhoc', tags: {} } }), playgroundPolicy);
    expect(result.matches).toEqual([]);
    expect(result.skipped?.reason).toBe("experiment 'adhoc' matches none of retrain*; model tag retrained is absent");
  });

  test('the fixture job (experiment "string") with the fixture model version is skipped', () => {
    const job = armResponse('2023-04-01/Job/CommandJob/get.json') as { name: string; properties: { experimentName: string; tags: Record<string, string> } };
    const version = armResponse('2023-04-01/Workspace/ModelVersion/get.json') as { properties: { tags: Record<string, string> } };
    const result = matchCdRules(
      input({
        model: { name: 'model', version: '1', tags: version.properties.tags },
        job: { name: job.name, experimentName: job.properties.experimentName, tags: job.properties.tags },
      }),
      playgroundPolicy,
    );
    expect(result.skipped?.reason).toBe("experiment 'string' matches none of retrain*; model tag retrained is absent");
  });

  test('with no job known, the reason says the experiment is unknown', () => {
    expect(matchCdRules(input(), playgroundPolicy).skipped?.reason).toBe(
      'no job is recorded for the model version, so its experiment is unknown; model tag retrained is absent',
    );
  });

  test('a wrong tag value is reported with the value found', () => {
    const result = matchCdRules(input({ model: { ...model, tags: { retrained: 'false' } }, job: { name: 'j', experimentName: 'adhoc', tags: {} } }), playgroundPolicy);
    expect(result.skipped?.reason).toContain("model tag retrained is 'false', not 'true'");
  });
});

describe('rule conditions and filters', () => {
  const targets = {
    ado: { kind: 'azureDevOps', organizationUrl: 'https://dev.azure.com/contoso', project: 'mlops', pipelineId: 1 },
    gh: { kind: 'githubActions', owner: 'contoso', repo: 'mlops-cd', workflow: 'model-cd.yml', tokenSecretName: 'github-token' },
  };

  test('match: all requires the experiment and every tag', () => {
    const policy = policyWith({
      cd: { targets, rules: [{ name: 'strict', target: 'ado', experiments: ['retrain*'], modelTags: { stage: 'candidate' }, jobTags: { approved: '*' }, match: 'all' }] },
    });
    const job = { name: 'j', experimentName: 'retrain-x', tags: { approved: 'by-alice' } };
    expect(matchCdRules(input({ model: { ...model, tags: { stage: 'candidate' } }, job }), policy).matches).toHaveLength(1);
    const missingTag = matchCdRules(input({ model: { ...model, tags: {} }, job }), policy);
    expect(missingTag.skipped?.reason).toBe('model tag stage is absent');
  });

  test('job tags are looked up on the job, then on its parent', () => {
    const policy = policyWith({ cd: { targets, rules: [{ name: 'r', target: 'ado', jobTags: { pipeline: 'retraining' } }] } });
    const job = { name: 'step', experimentName: 'x', tags: {}, parent: { experimentName: 'x', tags: { pipeline: 'retraining' } } };
    expect(matchCdRules(input({ job }), policy).matches).toHaveLength(1);
  });

  test('workspace and model filters must pass before conditions count', () => {
    const policy = policyWith({
      cd: { targets, rules: [{ name: 'prod-models', target: 'ado', workspaces: ['mlw-prod-*'], models: ['sklearn_*'] }] },
    });
    expect(matchCdRules(input(), policy).skipped?.reason).toBe("workspace 'mlw-demo' matches none of mlw-prod-*");
    const other = policyWith({ cd: { targets, rules: [{ name: 'r', target: 'ado', models: ['credit-*'] }] } });
    expect(matchCdRules(input(), other).skipped?.reason).toBe("model 'sklearn_regression_model' matches none of credit-*");
  });

  test('a rule without conditions matches every model that passes its filters', () => {
    const policy = policyWith({ cd: { targets, rules: [{ name: 'all-sklearn', target: 'gh', models: ['sklearn_*'] }] } });
    expect(matchCdRules(input(), policy).matches.map((match) => match.target.kind)).toEqual(['githubActions']);
  });

  test('several targets are all returned, each once, and reasons name their rules', () => {
    const policy = policyWith({
      cd: {
        targets,
        rules: [
          { name: 'a', target: 'ado', modelTags: { area: 'diabetes' } },
          { name: 'b', target: 'ado', modelTags: { type: 'regression' } },
          { name: 'c', target: 'gh', experiments: ['retrain*'] },
        ],
      },
    });
    const result = matchCdRules(input({ job: { name: 'j', experimentName: 'retrain', tags: {} } }), policy);
    expect(result.matches.map((match) => [match.rule.name, match.targetName])).toEqual([
      ['a', 'ado'],
      ['c', 'gh'],
    ]);
    const none = matchCdRules(input({ model: { ...model, tags: {} } }), policyWith({ cd: { targets, rules: [{ name: 'a', target: 'ado', modelTags: { x: '1' } }, { name: 'b', target: 'gh', modelTags: { y: '2' } }] } }));
    expect(none.skipped?.reason).toBe("rule 'a': model tag x is absent; rule 'b': model tag y is absent");
  });

  test('a policy without CD rules says so', () => {
    expect(matchCdRules(input(), loadPolicyFile('policy/default.yaml')).skipped?.reason).toBe('the policy has no CD rules');
  });
});
