import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { onceEntityKeys } from '../../../src/adapters/tables/onceLedger.js';
import { cdLedgerKey, modelSubject, runKeyOf } from '../../../src/modelCd/cdLedger.js';
import { modelParameters } from '../../../src/modelCd/onModelRegistered.js';
import { AppError } from '../../../src/errors.js';
import { azureDevOpsFindUrl, azureDevOpsRunCall, parseAzureDevOpsRun } from '../../../src/adapters/cd/azureDevOpsTarget.js';
import { githubDispatchCall, githubRunsUrl, githubRunUrl, runDetailsOf } from '../../../src/adapters/cd/githubActionsTarget.js';
import { standardWebhookHeaders, webhookBody } from '../../../src/adapters/cd/signedWebhookTarget.js';
import { assertTargetAccepted } from '../../../src/adapters/cd/targetResponse.js';
import type { HttpResponse } from '../../../src/adapters/http/httpClient.js';
import { fromKey } from '../../../src/adapters/tables/tableState.js';

const WORKSPACE_ID = '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';
const request = { eventId: 'evt-1', idempotencyKey: 'k', parameters: { modelName: 'churn', modelVersion: '3', workspaceId: WORKSPACE_ID, retries: 2, dryRun: false } };

function response(status: number, bodyText = '', headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, bodyText, json: () => JSON.parse(bodyText) as unknown };
}

function thrown(action: () => void): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('Azure DevOps "Run Pipeline" request', () => {
  it('posts to the pipeline runs of the project, with string templateParameters and an api-version', () => {
    const call = azureDevOpsRunCall(
      { kind: 'azureDevOps', organizationUrl: 'https://dev.azure.com/contoso/', project: 'ml ops', pipelineId: 12, auth: { kind: 'managedIdentity' } },
      request,
    );
    expect(call.url).toBe('https://dev.azure.com/contoso/ml%20ops/_apis/pipelines/12/runs?api-version=7.1');
    expect(JSON.parse(call.body)).toEqual({
      templateParameters: { modelName: 'churn', modelVersion: '3', workspaceId: WORKSPACE_ID, retries: '2', dryRun: 'false', idempotencyKey: 'k' },
    });
  });

  it('finds a run by its key through Builds - List, prefix-searching the run number of that pipeline only', () => {
    const url = new URL(azureDevOpsFindUrl({ kind: 'azureDevOps', organizationUrl: 'https://dev.azure.com/contoso', project: 'ml ops', pipelineId: 12, auth: { kind: 'managedIdentity' } }, 'amlw-abc'));
    expect(url.pathname).toBe('/contoso/ml%20ops/_apis/build/builds');
    expect(Object.fromEntries(url.searchParams)).toEqual({ definitions: '12', buildNumber: 'amlw-abc*', $top: '1', 'api-version': '7.1' });
  });

  it("reads the run's id and web link from the answer, and refuses an answer without an id", () => {
    expect(parseAzureDevOpsRun({ id: 42, url: 'https://x/api', _links: { web: { href: 'https://x/_build/results?buildId=42' } } })).toEqual({
      runId: '42',
      link: 'https://x/_build/results?buildId=42',
    });
    expect(parseAzureDevOpsRun({ id: 7, url: 'https://x/api/7' })).toEqual({ runId: '7', link: 'https://x/api/7' });
    expect(() => parseAzureDevOpsRun({ state: 'inProgress' })).toThrow(/without a run id/);
  });

  it('says whether the run it started can be found again: its name starts with the key', () => {
    expect(parseAzureDevOpsRun({ id: 7, name: 'amlw-abc.1' }, 'amlw-abc').notFindable).toBeUndefined();
    expect(parseAzureDevOpsRun({ id: 7, name: '20261204.3' }, 'amlw-abc').notFindable).toContain('name: ${{ parameters.idempotencyKey }}.$(Rev:r)');
  });
});

describe('GitHub workflow_dispatch request', () => {
  it('dispatches the workflow on its ref with string inputs and links to its runs on github.com', () => {
    const call = githubDispatchCall(
      { kind: 'githubActions', apiUrl: 'https://api.github.com', owner: 'contoso', repo: 'mlops-cd', workflow: 'model-cd.yml', ref: 'release', tokenSecretName: 'gh' },
      request,
    );
    expect(call.url).toBe('https://api.github.com/repos/contoso/mlops-cd/actions/workflows/model-cd.yml/dispatches');
    expect(JSON.parse(call.body)).toEqual({
      ref: 'release',
      inputs: { modelName: 'churn', modelVersion: '3', workspaceId: WORKSPACE_ID, retries: '2', dryRun: 'false', idempotency_key: 'k' },
      return_run_details: true,
    });
    expect(call.link).toBe('https://github.com/contoso/mlops-cd/actions/workflows/model-cd.yml');
  });

  it('looks for an earlier run among workflow_dispatch runs created since, to the second as GitHub documents it, and reads one run by id', () => {
    const target = { kind: 'githubActions', apiUrl: 'https://ghe.contoso.com/api/v3/', owner: 'contoso', repo: 'mlops-cd', workflow: 'model-cd.yml', ref: 'main', tokenSecretName: 'gh' } as const;
    const url = new URL(githubRunsUrl(target, new Date('2026-12-04T10:11:12.345Z'), 2));
    expect(`${url.origin}${url.pathname}`).toBe('https://ghe.contoso.com/api/v3/repos/contoso/mlops-cd/actions/workflows/model-cd.yml/runs');
    expect(Object.fromEntries(url.searchParams)).toEqual({ event: 'workflow_dispatch', created: '>=2026-12-04T10:11:12Z', per_page: '100', page: '2' });
    expect(githubRunUrl(target, '42')).toBe('https://ghe.contoso.com/api/v3/repos/contoso/mlops-cd/actions/runs/42');
  });
});

describe('signed webhook', () => {
  const secret = `whsec_${Buffer.from('a-receiver-and-aml-warden-share-this').toString('base64')}`;

  it('signs per Standard Webhooks: the id (the idempotency key), the timestamp and v1 HMAC-SHA256 of id.timestamp.body', () => {
    const body = webhookBody(request);
    const at = new Date('2026-12-04T10:00:00Z');
    const headers = standardWebhookHeaders(secret, 'amlw-abc', at, body);
    expect(headers['webhook-id']).toBe('amlw-abc');
    expect(headers['webhook-timestamp']).toBe(String(at.getTime() / 1000));
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`amlw-abc.${at.getTime() / 1000}.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it("passes a receiver's verification with the same secret, and fails it with another, with a changed body, or out of time", () => {
    const body = webhookBody(request);
    const now = new Date();
    const headers = standardWebhookHeaders(secret, 'amlw-abc', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(`whsec_${Buffer.from('someone-else').toString('base64')}`).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('churn', 'other'), headers)).toThrow();
    const captured = standardWebhookHeaders(secret, 'amlw-abc', new Date(now.getTime() - 10 * 60_000), body);
    expect(() => new Webhook(secret).verify(body, captured)).toThrow(/timestamp/i);
  });

  it('carries the event id, the idempotency key and the parameters', () => {
    expect(JSON.parse(webhookBody(request))).toEqual({ eventId: 'evt-1', idempotencyKey: 'k', parameters: request.parameters });
  });
});

describe("a CD target's answer", () => {
  it('2xx is accepted', () => {
    expect(() => assertTargetAccepted(response(204), 'target')).not.toThrow();
    expect(() => assertTargetAccepted(response(200, '{}'), 'target')).not.toThrow();
  });

  it('429, 408 and 5xx are transient, so the delivery is retried', () => {
    for (const status of [429, 408, 500, 503]) expect(thrown(() => assertTargetAccepted(response(status), 'target')).transient).toBe(true);
  });

  it("4xx is permanent and keeps the target's own message", () => {
    const error = thrown(() => assertTargetAccepted(response(400, JSON.stringify({ message: "Unexpected parameter 'x'", typeKey: 'PipelineValidationException' })), 'Azure DevOps contoso/mlops pipeline 1'));
    expect(error.code).toBe('UpstreamPermanent');
    expect(error.message).toBe("Azure DevOps contoso/mlops pipeline 1 answered 400: Unexpected parameter 'x'");
    expect(thrown(() => assertTargetAccepted(response(404, JSON.stringify({ error: { code: 'NotFound', message: 'no such workflow' } })), 't')).message).toContain('no such workflow');
  });
});

describe('model CD parameters and ledger keys', () => {
  it('GitHub gets snake_case inputs; the rule cannot override the model name or version', () => {
    const facts = { modelName: 'churn', modelVersion: '3', workspaceId: WORKSPACE_ID };
    expect(modelParameters('githubActions', facts, { environment: 'prod', model_name: 'other' })).toEqual({
      environment: 'prod',
      model_name: 'churn',
      model_version: '3',
      workspace_id: WORKSPACE_ID,
    });
    expect(modelParameters('azureDevOps', facts, { modelVersion: '99' })).toEqual(facts);
  });

  it('one ledger row per (workspace, version, target), the workspace id compared case-insensitively', () => {
    const key = { workspaceId: WORKSPACE_ID, subject: modelSubject('churn', '3'), target: 'model-cd' };
    expect(cdLedgerKey({ ...key, workspaceId: WORKSPACE_ID.toUpperCase() })).toEqual(cdLedgerKey(key));
    expect(cdLedgerKey({ ...key, target: 'other' })).not.toEqual(cdLedgerKey(key));
    expect(cdLedgerKey({ ...key, subject: modelSubject('churn', '4') })).not.toEqual(cdLedgerKey(key));
    // Stored as table keys: the workspace's id, encoded so that its slashes are allowed.
    const { partitionKey, rowKey } = onceEntityKeys(cdLedgerKey(key));
    expect(partitionKey).not.toContain('/');
    expect(fromKey(partitionKey)).toBe(WORKSPACE_ID.toLowerCase());
    expect(fromKey(rowKey)).toBe('model:churn:3|model-cd');
  });

  it('one idempotency key per (workspace, version, target): short, searchable, the same for every attempt', () => {
    const key = { workspaceId: WORKSPACE_ID, subject: modelSubject('churn', '3'), target: 'model-cd' };
    expect(runKeyOf(key)).toMatch(/^amlw-[0-9a-f]{32}$/);
    expect(runKeyOf({ ...key, workspaceId: WORKSPACE_ID.toUpperCase() })).toBe(runKeyOf(key));
    expect(runKeyOf({ ...key, target: 'github-cd' })).not.toBe(runKeyOf(key));
    expect(runKeyOf({ ...key, subject: modelSubject('churn', '4') })).not.toBe(runKeyOf(key));
  });
});

describe('refused credentials', () => {
  const hint = "check the personal access token in Key Vault secret 'ado-pat'";

  it("treats Azure DevOps' 203 sign-in page as a refused credential, not a started run, and names what to check", () => {
    const error = thrown(() => assertTargetAccepted(response(203, '<html><title>Sign In</title></html>', { 'content-type': 'text/html; charset=utf-8' }), 'Azure DevOps contoso/mlops pipeline 1', { credentialHint: hint, signInPage: true }));
    expect(error.code).toBe('UpstreamPermanent');
    expect(error.transient).toBe(false);
    expect(error.message).toBe(`Azure DevOps contoso/mlops pipeline 1 did not accept the credentials (it answered 203 with a sign-in page): ${hint}`);
  });

  it('treats an HTML page answered with 200, and a 401 or 403, the same way', () => {
    expect(thrown(() => assertTargetAccepted(response(200, '<!DOCTYPE html><p>sign in</p>'), 'Azure DevOps x', { credentialHint: hint, signInPage: true })).message).toContain('with a sign-in page');
    expect(thrown(() => assertTargetAccepted(response(401, '{"message":"TF400813"}'), 'Azure DevOps x', { credentialHint: hint, signInPage: true })).message).toContain('(it answered 401)');
    expect(thrown(() => assertTargetAccepted(response(403), 'GitHub x', { credentialHint: 'check the token' })).message).toBe('GitHub x did not accept the credentials (it answered 403): check the token');
  });

  it('keeps a 5xx error page transient, whatever it is written in', () => {
    expect(thrown(() => assertTargetAccepted(response(502, '<html>Bad gateway</html>', { 'content-type': 'text/html' }), 'Azure DevOps x', { credentialHint: hint, signInPage: true })).transient).toBe(true);
  });

  it("treats GitHub's rate-limit 403 as transient, not as a refused credential", () => {
    const limited = thrown(() => assertTargetAccepted(response(403, '{"message":"You have exceeded a secondary rate limit"}', { 'retry-after': '60' }), 'GitHub x', { credentialHint: 'check the token' }));
    expect(limited.transient).toBe(true);
    expect(limited.message).toContain('secondary rate limit');
    expect(thrown(() => assertTargetAccepted(response(403, '{}', { 'x-ratelimit-remaining': '0' }), 'GitHub x')).transient).toBe(true);
  });

  it('accepts a 2xx HTML answer from a webhook receiver, which may have started the run', () => {
    expect(() => assertTargetAccepted(response(200, '<html>ok</html>', { 'content-type': 'text/html' }), 'webhook example.com')).not.toThrow();
  });
});

describe('GitHub run details', () => {
  it("records the run GitHub reports, with its page on github.com", () => {
    const details = response(200, JSON.stringify({ workflow_run_id: 1234, run_url: 'https://api.github.com/repos/o/r/actions/runs/1234', html_url: 'https://github.com/o/r/actions/runs/1234' }));
    expect(runDetailsOf(details, 'https://github.com/o/r/actions/workflows/cd.yml')).toEqual({ runId: '1234', link: 'https://github.com/o/r/actions/runs/1234' });
  });

  it("falls back to the workflow's runs page when the server answers 204, as one that predates run details does", () => {
    expect(runDetailsOf(response(204), 'https://github.com/o/r/actions/workflows/cd.yml')).toEqual({ runId: undefined, link: 'https://github.com/o/r/actions/workflows/cd.yml' });
  });
});
