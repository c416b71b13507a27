import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiOperations } from '../../src/http/openapi.js';
import { appRoles } from '../../src/http/principal.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';
import { block, loadInfra, resourcesOfType, type InfraModel } from './terraformModel.js';
import { readFile } from 'node:fs/promises';

let infra: InfraModel;

beforeAll(async () => {
  infra = await loadInfra(path.join(repositoryRoot, 'infra'));
});

describe('the model-monitoring action group', () => {
  it('posts the common alert schema to the monitorAlerts route with an Entra ID token for the API', () => {
    const groups = resourcesOfType(infra, 'azurerm_monitor_action_group').filter((group) => group.name === 'model_monitor_alerts');
    expect(groups).toHaveLength(1);
    const body = groups[0]?.body;
    // Optional: only when the app registration's object id is given.
    expect(body?.['count']).toBe('${var.model_monitor_alerts_app_object_id == "" ? 0 : 1}');
    const receiver = block(body, 'webhook_receiver');
    const route = apiOperations.find((operation) => operation.functionName === 'monitorAlerts')?.route;
    expect(route).toBe('monitor-alerts');
    expect(receiver?.['service_uri']).toBe(`https://\${module.function_app.default_hostname}/api/${route ?? ''}`);
    expect(receiver?.['use_common_alert_schema']).toBe(true);
    // Secure webhook: the token's audience is the API's identifier URI, as the app validates v1.0 tokens.
    expect(block(receiver, 'aad_auth')).toEqual({
      object_id: '${var.model_monitor_alerts_app_object_id}',
      identifier_uri: '${local.auth_app_id_uri}',
      tenant_id: '${local.auth_tenant_id}',
    });
    expect(String(body?.['short_name']).length).toBeLessThanOrEqual(12);
  });

  it('documents the one app role the webhook principal is given', async () => {
    const readme = await readFile(path.join(repositoryRoot, 'infra', 'README.md'), 'utf8');
    expect(readme).toContain(appRoles.monitorAlertSender);
    expect(readme).toContain('461e8683-5575-4561-ac7f-899cc907d62a');
  });
});
