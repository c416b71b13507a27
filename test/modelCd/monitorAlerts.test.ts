import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/emulatorServices.js';
import { startEventsTestbed, WORKSPACE_ID, type EventsTestbed } from '../helpers/eventsTestbed.js';
import { emulatorPipelineTarget, retrainedModelsPolicy } from '../../dev/playgroundPolicy.js';

const policy = (url: string): string =>
  retrainedModelsPolicy(url, {
    targets: {
      retrain: emulatorPipelineTarget(url, 2),
      'retrain-gh': { kind: 'githubActions', apiUrl: `${url}/github`, owner: 'contoso', repo: 'mlops-cd', workflow: 'retrain.yml', ref: 'main', tokenSecretName: 'github-token' },
    },
    sections: {
      modelMonitoring: {
        rules: [
          { monitors: ['churn-*'], target: 'retrain' },
          { monitors: ['gh-*'], target: 'retrain-gh' },
        ],
      },
    },
  });

let bed: EventsTestbed;

beforeAll(async () => {
  bed = await startEventsTestbed({ policy, host: true });
});

afterAll(async () => {
  await bed?.close();
});

/** An app-only token from the emulator's identity provider, as an action group's secure webhook sends. */
async function tokenFor(roles: string[]): Promise<string> {
  const response = await request(`${bed.emulator.url}/idp/dev/token`, { method: 'POST', ca: bed.emulator.caPem, body: { app: 'action-group', roles, version: 1 } });
  return response.json<{ access_token: string }>().access_token;
}

/** A metric alert in the common alert schema (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema). */
function metricAlert(options: { readonly monitor: string; readonly condition?: 'Fired' | 'Resolved'; readonly windowStart?: string; readonly alertId?: string }): Record<string, unknown> {
  const windowStart = options.windowStart ?? '2026-12-01T10:00:00.000Z';
  const windowEnd = new Date(Date.parse(windowStart) + 5 * 60_000).toISOString();
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: options.alertId ?? `/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.AlertsManagement/alerts/${options.monitor}-${windowStart}`,
        alertRule: 'model-monitor-drift',
        severity: 'Sev3',
        signalType: 'Metric',
        monitorCondition: options.condition ?? 'Fired',
        monitoringService: 'Platform',
        alertTargetIDs: [WORKSPACE_ID.toLowerCase()],
        configurationItems: ['mlw-demo'],
        originAlertId: 'origin',
        firedDateTime: windowEnd,
        description: 'drift over threshold',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: {
        properties: null,
        conditionType: 'SingleResourceMultipleMetricCriteria',
        condition: {
          windowSize: 'PT5M',
          allOf: [
            {
              metricName: 'DataDriftSignal',
              metricNamespace: 'Microsoft.MachineLearningServices/workspaces',
              operator: 'GreaterThan',
              threshold: '0.3',
              timeAggregation: 'Maximum',
              dimensions: [{ name: 'MonitorName', value: options.monitor }],
              metricValue: 0.42,
            },
          ],
          windowStartTime: windowStart,
          windowEndTime: windowEnd,
        },
      },
    },
  };
}

async function post(body: unknown, token?: string, raw?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const host = bed.host;
  if (host === undefined) throw new Error('no host');
  const response = await fetch(`${host.url}/api/monitor-alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const retrainRuns = async (monitor: string) => (await bed.adoRuns(2)).filter((run) => run.templateParameters['monitorName'] === monitor);

describe('POST /api/monitor-alerts (Azure Monitor common alert schema → retraining)', () => {
  it('a fired alert on a model monitor starts one retraining run; its redelivery and its resolution start none', async () => {
    const token = await tokenFor(['MonitorAlertSender']);
    const alert = metricAlert({ monitor: 'churn-monitor' });
    const first = await post(alert, token);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body, JSON.stringify(first.body)).toHaveProperty('monitors');
    expect(first.body).toMatchObject({ monitorCondition: 'Fired', monitors: [{ monitor: 'churn-monitor', outcome: 'started', target: 'retrain' }] });
    expect((await post(alert, token)).body).toMatchObject({ monitors: [{ monitor: 'churn-monitor', outcome: 'none' }] });
    const resolved = await post(metricAlert({ monitor: 'churn-monitor', condition: 'Resolved' }), token);
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ monitors: [], reason: 'a resolved alert starts nothing' });

    const runs = await retrainRuns('churn-monitor');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.templateParameters).toMatchObject({
      workspaceId: WORKSPACE_ID,
      monitorName: 'churn-monitor',
      alertRule: 'model-monitor-drift',
      windowStartTime: '2026-12-01T10:00:00.000Z',
      windowEndTime: '2026-12-01T10:05:00.000Z',
    });
  });

  it('a later alert window of the same monitor retrains again', async () => {
    const token = await tokenFor(['MonitorAlertSender']);
    const next = await post(metricAlert({ monitor: 'churn-monitor', windowStart: '2026-12-02T10:00:00.000Z' }), token);
    expect(next.body).toMatchObject({ monitors: [{ outcome: 'started' }] });
    expect(await retrainRuns('churn-monitor')).toHaveLength(2);
  });

  it('dispatches a GitHub retraining workflow with the monitor, rule and window as its declared inputs', async () => {
    const token = await tokenFor(['MonitorAlertSender']);
    const alert = metricAlert({ monitor: 'gh-monitor' });
    expect((await post(alert, token)).body).toMatchObject({ monitors: [{ monitor: 'gh-monitor', outcome: 'started', target: 'retrain-gh' }] });
    expect((await post(alert, token)).body).toMatchObject({ monitors: [{ monitor: 'gh-monitor', outcome: 'none' }] });
    const runs = await request(`${bed.emulator.url}/github/repos/contoso/mlops-cd/actions/runs`, {
      headers: { authorization: `Bearer ${bed.emulator.vault.currentValue('github-token') ?? ''}`, accept: 'application/vnd.github+json' },
      ca: bed.emulator.caPem,
    });
    const dispatched = runs
      .json<{ workflow_runs: { path: string; display_title: string; inputs: Record<string, string> }[] }>()
      .workflow_runs.filter((run) => run.inputs['monitorName'] === 'gh-monitor');
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]?.path).toBe('.github/workflows/retrain.yml');
    expect(dispatched[0]?.inputs).toMatchObject({ workspaceId: WORKSPACE_ID, monitorName: 'gh-monitor', alertRule: 'model-monitor-drift', windowStartTime: '2026-12-01T10:00:00.000Z' });
    expect(dispatched[0]?.display_title).toMatch(/^Retrain gh-monitor \[/);
  });

  it('answers a monitor no rule names clearly, and starts nothing', async () => {
    const response = await post(metricAlert({ monitor: 'fraud-monitor' }), await tokenFor(['MonitorAlertSender']));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ monitors: [{ monitor: 'fraud-monitor', outcome: 'none', reason: "no modelMonitoring rule names monitor 'fraud-monitor' in workspace 'mlw-demo'" }] });
    expect(await retrainRuns('fraud-monitor')).toHaveLength(0);
  });

  it('refuses a caller without a token (401) or without the MonitorAlertSender role (403)', async () => {
    const alert = metricAlert({ monitor: 'churn-auth' });
    const anonymous = await post(alert);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { code: 'Unauthorized' } });
    const operator = await post(alert, await tokenFor(['Operator']));
    expect(operator.status).toBe(403);
    expect(JSON.stringify(operator.body)).toContain('MonitorAlertSender');
    expect(await retrainRuns('churn-auth')).toHaveLength(0);
  });

  it('refuses a malformed alert with 400 naming the field, and a too large one with 413, without stacks', async () => {
    const token = await tokenFor(['MonitorAlertSender']);
    const alert = metricAlert({ monitor: 'churn-bad' });
    const data = alert['data'] as { essentials: Record<string, unknown> };
    data.essentials['monitorCondition'] = 'Exploded';
    const malformed = await post(alert, token);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: 'BadRequest', target: 'body.data.essentials.monitorCondition' } });
    expect(JSON.stringify(malformed.body)).not.toMatch(/\bat .+\.ts:\d+/);

    const wrongSchema = await post({ ...metricAlert({ monitor: 'churn-bad' }), schemaId: 'Microsoft.Insights/activityLogs' }, token);
    expect(wrongSchema.body).toMatchObject({ error: { target: 'body.schemaId' } });

    const tooBig = await post(undefined, token, JSON.stringify({ ...metricAlert({ monitor: 'churn-bad' }), padding: 'x'.repeat(300_000) }));
    expect(tooBig.status).toBe(413);
    expect(await retrainRuns('churn-bad')).toHaveLength(0);
  });
});
