import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import type { CodeFacts } from './codeFacts.js';
import { parseOptionalSettings, readCodeFacts } from './codeFacts.js';
import {
  checkAppSettings,
  checkDeployerStorageAccess,
  checkEnvironments,
  checkEventSubscriptions,
  checkRunStatusFilters,
  checkGovernanceRole,
  checkHostStorageSetting,
  checkResourceEventFilter,
  checkSecurityBaseline,
  checkTags,
  checkTwoStepApply,
  functionAppSettings,
} from './checks.js';
import { ARM_OPERATIONS } from '../../src/adapters/arm/armOperations.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';
import type { HclObject, InfraModel, ResourceBlock } from './terraformModel.js';
import { block, blocks, isObject, loadInfra, resolve, resourcesOfType } from './terraformModel.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';
import { queueNames } from '../../src/queueNames.js';
import { GOVERNED_JOB_STATUSES } from '../../src/jobs/onRunStatusChanged.js';

const repoRoot = repositoryRoot;
const infraDir = path.join(repoRoot, 'infra');
const fixturesDir = fileURLToPath(publishedFixtureUrl('events/'));

let infra: InfraModel;
let host: FunctionsHost | undefined;
let code: CodeFacts;
let optionalSettings: Map<string, string>;
let sampleEvents: Map<string, unknown>;
let requiredActions: Map<string, string>;

async function firstEvent(file: string): Promise<{ eventType: string; event: unknown }> {
  const parsed: unknown = JSON.parse(await readFile(path.join(fixturesDir, file), 'utf8'));
  const event: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  const eventType = typeof event === 'object' && event !== null && 'eventType' in event ? String(event.eventType) : '';
  return { eventType, event };
}

/** The literal values infra gives the app's own settings (variable defaults followed through). */
function literalAppSettings(model: InfraModel): Record<string, string> {
  const call = model.modules.get('.')?.moduleCalls.find((candidate) => candidate.source === 'modules/function_app');
  const settings = call?.body.app_settings;
  const literal: Record<string, string> = {};
  if (!isObject(settings)) return literal;
  for (const [name, value] of Object.entries(settings)) {
    const resolved = resolve(model, '.', value);
    if (typeof resolved === 'string' && !resolved.includes('${')) literal[name] = resolved;
  }
  return literal;
}

beforeAll(async () => {
  infra = await loadInfra(infraDir);
  // The real registrations: the app's entry loaded by the offline Functions host, with infra's settings (so
  // `%SETTING%` binding expressions resolve as they would in Azure).
  host = await startHost({
    entry: path.join(repoRoot, 'src', 'index.ts'),
    port: 0,
    timers: false,
    log: () => {},
    env: literalAppSettings(infra),
  });
  code = await readCodeFacts(repoRoot, host.functions);
  optionalSettings = parseOptionalSettings(await readFile(path.join(infraDir, 'README.md'), 'utf8'));
  const samples = await Promise.all(
    ['eventgrid-ResourceWriteSuccess.json', 'eventgrid-ModelRegistered.json', 'eventgrid-RunStatusChanged.json'].map(firstEvent),
  );
  sampleEvents = new Map(samples.map(({ eventType, event }) => [eventType, event]));
  requiredActions = new Map(ARM_OPERATIONS.map((action) => [action, 'the adapters\u2019 ARM operations']));
  for (const [action, evidence] of code.armActionsUsed) requiredActions.set(action, evidence.join('; '));
});

afterAll(async () => {
  await host?.close();
});

/** A deep copy of the parsed HCL with one resource changed, so a check can be shown to catch the change. */
/** A copy of infra with the first resource of `type` (or the one named `name`) changed. */
function mutate(type: string, change: (body: HclObject, resource: ResourceBlock) => void, name?: string): InfraModel {
  const copy = structuredClone(infra);
  const [resource] = resourcesOfType(copy, type).filter((candidate) => name === undefined || candidate.name === name);
  if (resource === undefined) throw new Error(`no ${type} to mutate`);
  change(resource.body, resource);
  return copy;
}

function subscriptionsTo(model: InfraModel, functionName: string): ResourceBlock[] {
  return resourcesOfType(model, 'azurerm_eventgrid_system_topic_event_subscription').filter((subscription) =>
    String(block(subscription.body, 'azure_function_endpoint')?.function_id).endsWith(`/functions/${functionName}`),
  );
}

/** The subscription delivering to `functionName` that does not carry RunStatusChanged (which has its own). */
function subscriptionTo(model: InfraModel, functionName: string): ResourceBlock {
  const [found] = subscriptionsTo(model, functionName).filter((subscription) => !eventTypesOf(model, subscription).includes(runStatusChanged));
  if (found === undefined) throw new Error(`no subscription delivers to ${functionName}`);
  return found;
}

function eventTypesOf(model: InfraModel, subscription: ResourceBlock): string[] {
  const types = resolve(model, subscription.module, subscription.body.included_event_types);
  return Array.isArray(types) ? types.filter((type): type is string => typeof type === 'string') : [];
}

const runStatusChanged = 'Microsoft.MachineLearningServices.RunStatusChanged';

function runStatusSubscription(model: InfraModel, name: 'aml_failed_runs' | 'aml_active_runs'): ResourceBlock {
  const found = resourcesOfType(model, 'azurerm_eventgrid_system_topic_event_subscription').find(
    (subscription) => subscription.name === name && eventTypesOf(model, subscription).includes(runStatusChanged),
  );
  if (found === undefined) throw new Error(`no subscription ${name} delivers RunStatusChanged`);
  return found;
}

const failedRunSubscription = (model: InfraModel): ResourceBlock => runStatusSubscription(model, 'aml_failed_runs');

describe('the source the checks read', () => {
  it('every function registers with bindings that resolve under the settings infra provides', () => {
    expect(host?.functions.map((fn) => ({ name: fn.name, error: fn.error })).filter((fn) => fn.error !== undefined)).toEqual([]);
    expect(host?.functions.find((fn) => fn.name === 'complianceSweep')?.kind).toBe('timer');
  });

  it('registers Event Grid functions, handles event types and reads settings (so the checks are not vacuous)', () => {
    expect([...code.eventGridFunctions.keys()].sort()).toEqual(['amlEvents', 'resourceEvents']);
    expect(code.handledEventTypes).toContain('Microsoft.MachineLearningServices.ModelRegistered');
    expect(code.handledEventTypes).toContain('Microsoft.Resources.ResourceWriteSuccess');
    expect(code.settingsRead).toContain('AML_WARDEN_POLICY');
    expect(code.settingsRead).toContain('AML_WARDEN_SWEEP_SCHEDULE');
  });

  it('parses every module of infra/ and the three environment files', () => {
    expect([...infra.modules.keys()].sort()).toEqual([
      '.',
      'modules/event_routing',
      'modules/function_app',
      'modules/governance_role',
      'modules/key_vault',
      'modules/monitoring',
      'modules/storage',
    ]);
    expect([...infra.tfvars.keys()].sort()).toEqual(['dev', 'prod', 'test']);
  });
});

describe('Event Grid subscriptions', () => {
  it('each targets a registered Event Grid function with event types the code handles, retries and dead-letters', () => {
    expect(checkEventSubscriptions(infra, code, sampleEvents)).toEqual([]);
  });

  it('a subscription naming a function that does not exist is reported', () => {
    const broken = structuredClone(infra);
    for (const subscription of subscriptionsTo(broken, 'amlEvents')) {
      const endpoint = block(subscription.body, 'azure_function_endpoint');
      if (endpoint === undefined) throw new Error('no endpoint');
      endpoint.function_id = '${var.function_app_id}/functions/amlEvent';
    }
    const findings = checkEventSubscriptions(broken, code, sampleEvents);
    expect(findings).toContainEqual(expect.stringMatching(/targets function 'amlEvent', which the code does not register/));
    expect(findings).toContainEqual(expect.stringMatching(/function 'amlEvents' .* no subscription delivers to it/));
  });

  it('an event type the code does not handle, or the topic never emits, is reported', () => {
    const broken = structuredClone(infra);
    const subscription = subscriptionTo(broken, 'resourceEvents');
    subscription.body.included_event_types = ['Microsoft.Resources.ResourceActionSuccess', 'Microsoft.MachineLearningServices.ModelRegistered'];
    const findings = checkEventSubscriptions(broken, code, sampleEvents);
    expect(findings).toContainEqual(expect.stringMatching(/'Microsoft\.Resources\.ResourceActionSuccess' is not one the code handles/));
    expect(findings).toContainEqual(
      expect.stringMatching(/'Microsoft\.MachineLearningServices\.ModelRegistered' is never emitted by a Microsoft\.Resources\.ResourceGroups system topic/),
    );
  });

  it('a subscription without retry policy or dead-letter destination is reported', () => {
    const broken = structuredClone(infra);
    const subscription = subscriptionTo(broken, 'amlEvents');
    delete subscription.body.retry_policy;
    delete subscription.body.storage_blob_dead_letter_destination;
    const findings = checkEventSubscriptions(broken, code, sampleEvents);
    expect(findings).toContainEqual(expect.stringMatching(/needs a retry_policy/));
    expect(findings).toContainEqual(expect.stringMatching(/needs a storage_blob_dead_letter_destination/));
  });

  it('resourceEvents only receives writes of ML workspaces and computes, filtered on a field real events carry', () => {
    expect(checkResourceEventFilter(infra)).toEqual([]);
    const broken = structuredClone(infra);
    const filter = blocks(subscriptionTo(broken, 'resourceEvents').body, 'advanced_filter')[0];
    const condition = blocks(filter, 'string_begins_with')[0];
    if (condition === undefined) throw new Error('no string_begins_with filter');
    condition.key = 'data.operation';
    expect(checkResourceEventFilter(broken)).toContainEqual(expect.stringMatching(/must filter with string_begins_with on data\.operationName/));
    expect(checkEventSubscriptions(broken, code, sampleEvents)).toContainEqual(
      expect.stringMatching(/key 'data\.operation' does not exist in a real Microsoft\.Resources\.ResourceWriteSuccess event/),
    );
  });

  it('amlEvents receives every Azure ML event type the code handles, across its subscriptions', () => {
    const delivered = subscriptionsTo(infra, 'amlEvents').flatMap((subscription) => eventTypesOf(infra, subscription));
    const handled = [...code.handledEventTypes].filter((type) => type.startsWith('Microsoft.MachineLearningServices.'));
    expect([...new Set(delivered)].sort()).toEqual([...handled].sort());
  });

  it('RunStatusChanged reaches amlEvents only for failed runs and for jobs the jobs: rules judge, each on a subscription of its own', () => {
    expect(checkRunStatusFilters(infra)).toEqual([]);
    const failed = failedRunSubscription(infra);
    expect(eventTypesOf(infra, failed)).toEqual([runStatusChanged]);
    expect(blocks(failed.body, 'advanced_filter').flatMap((filter) => blocks(filter, 'string_in'))).toEqual([{ key: 'data.runStatus', values: ['Failed'] }]);
    const active = runStatusSubscription(infra, 'aml_active_runs');
    expect(eventTypesOf(infra, active)).toEqual([runStatusChanged]);
    expect(blocks(active.body, 'advanced_filter').flatMap((filter) => blocks(filter, 'string_in'))).toEqual([
      { key: 'data.runStatus', values: [...GOVERNED_JOB_STATUSES] },
    ]);
    expect(String(block(active.body, 'azure_function_endpoint')?.function_id)).toMatch(/\/functions\/amlEvents$/);
  });

  it('RunStatusChanged without its filter, with a widened one, or sharing its subscription, is reported', () => {
    const unfiltered = structuredClone(infra);
    delete failedRunSubscription(unfiltered).body.advanced_filter;
    expect(checkRunStatusFilters(unfiltered)).toEqual([
      expect.stringMatching(/aml_failed_runs: must filter with string_in on data\.runStatus to \["Failed"\]/),
      expect.stringMatching(/no azurerm_eventgrid_system_topic_event_subscription delivers .*RunStatusChanged for Failed runs/),
    ]);

    const widened = structuredClone(infra);
    const [condition] = blocks(failedRunSubscription(widened).body, 'advanced_filter').flatMap((filter) => blocks(filter, 'string_in'));
    if (condition === undefined) throw new Error('no string_in filter');
    condition.values = ['Failed', 'Completed'];
    expect(checkRunStatusFilters(widened)).toContainEqual(expect.stringMatching(/aml_failed_runs: must filter with string_in on data\.runStatus/));

    const activeWidened = structuredClone(infra);
    const [activeCondition] = blocks(runStatusSubscription(activeWidened, 'aml_active_runs').body, 'advanced_filter').flatMap((filter) => blocks(filter, 'string_in'));
    if (activeCondition === undefined) throw new Error('no string_in filter');
    activeCondition.values = [...GOVERNED_JOB_STATUSES, 'Completed'];
    expect(checkRunStatusFilters(activeWidened)).toEqual([
      expect.stringMatching(/aml_active_runs: must filter with string_in on data\.runStatus/),
      expect.stringMatching(/delivers .*RunStatusChanged for NotStarted, .*Running \(the jobs: rules\)/),
    ]);

    const shared = structuredClone(infra);
    const amlEvents = subscriptionTo(shared, 'amlEvents');
    amlEvents.body.included_event_types = [...eventTypesOf(shared, amlEvents), runStatusChanged];
    amlEvents.body.advanced_filter = [{ string_in: [{ key: 'data.runStatus', values: ['Failed'] }] }];
    expect(checkRunStatusFilters(shared)).toContainEqual(
      expect.stringMatching(/aml_events: Microsoft\.MachineLearningServices\.RunStatusChanged must have a subscription of its own; its data\.runStatus filter would drop .*ModelRegistered/),
    );

    const unsubscribed = structuredClone(infra);
    const failedRuns = failedRunSubscription(unsubscribed);
    const module = unsubscribed.modules.get(failedRuns.module);
    module?.resources.splice(module.resources.indexOf(failedRuns), 1);
    expect(checkRunStatusFilters(unsubscribed)).toEqual([expect.stringMatching(/no azurerm_eventgrid_system_topic_event_subscription delivers .*RunStatusChanged for Failed runs/)]);
  });

  it('subscriptions wait for the second apply (deploy_event_subscriptions, default false)', () => {
    expect(checkTwoStepApply(infra)).toEqual([]);
    const broken = structuredClone(infra);
    subscriptionTo(broken, 'amlEvents').body.for_each = '${var.ml_workspaces}';
    expect(checkTwoStepApply(broken)).toContainEqual(expect.stringMatching(/aml_events: must be created only when var\.deploy_event_subscriptions is true/));
  });
});

describe('app settings', () => {
  it('every setting the code reads is set on the Function App or documented as optional', () => {
    expect(checkAppSettings(infra, code, optionalSettings)).toEqual([]);
  });

  it('the Function App runs with managed identity, identity-based host storage and the names of its Key Vault secrets', () => {
    const [app] = resourcesOfType(infra, 'azurerm_function_app_flex_consumption');
    if (app === undefined) throw new Error('no function app');
    const settings = functionAppSettings(infra, app);
    expect(settings?.get('AML_WARDEN_CREDENTIAL')).toBe('default');
    expect(settings?.get('AzureWebJobsStorage__credential')).toBe('managedidentity');
    expect(settings?.get('AML_WARDEN_EVENTS_SECRET_NAME')).toBe('${var.events_secret_name}');
    expect(settings?.get('AML_WARDEN_POLICY')).toBe('${var.policy_path}');
  });

  it('a setting the code reads that infra neither sets nor documents is reported', () => {
    const withNewSetting: CodeFacts = { ...code, settingsRead: new Set([...code.settingsRead, 'AML_WARDEN_NEW_KNOB']) };
    expect(checkAppSettings(infra, withNewSetting, optionalSettings)).toEqual([
      'AML_WARDEN_NEW_KNOB is read by the code but neither set on modules/function_app: azurerm_function_app_flex_consumption.this nor listed under "Optional settings" in infra/README.md',
    ]);
  });

  it('a connection string with a key, or a setting Flex Consumption rejects, is reported', () => {
    const broken = structuredClone(infra);
    const call = broken.modules.get('.')?.moduleCalls.find((candidate) => candidate.name === 'function_app');
    const settings = call?.body.app_settings;
    if (settings === undefined || typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new Error('no settings');
    settings.AzureWebJobsStorage = '${module.storage.primary_connection_string}';
    settings.FUNCTIONS_WORKER_RUNTIME = 'node';
    const findings = checkAppSettings(broken, code, optionalSettings);
    expect(findings).toContainEqual(expect.stringMatching(/AzureWebJobsStorage must not be set/));
    expect(findings).toContainEqual(expect.stringMatching(/AzureWebJobsStorage holds a secret value/));
    expect(findings).toContainEqual(expect.stringMatching(/FUNCTIONS_WORKER_RUNTIME must not be set \(Flex Consumption rejects it\)/));
  });
});

describe('work queues', () => {
  /** The queues the storage module creates, as `main.tf` passes them. */
  const infraQueues = (model: InfraModel): string[] => {
    const call = model.modules.get('.')?.moduleCalls.find((candidate) => candidate.name === 'storage');
    const value = resolve(model, '.', call?.body.work_queues);
    return Array.isArray(value) ? value.filter((queue): queue is string => typeof queue === 'string') : [];
  };

  it('infra creates every queue the code sends to and triggers on, each with its poison queue, and the app may use them', () => {
    expect(infraQueues(infra).sort()).toEqual(Object.values(queueNames).sort());
    const queues = resourcesOfType(infra, 'azurerm_storage_queue');
    expect(queues.map((queue) => queue.body.for_each)).toHaveLength(1);
    expect(JSON.stringify(queues[0]?.body.for_each)).toContain('-poison');
    const storage = infra.modules.get('modules/storage');
    const roles = JSON.stringify(storage?.locals.get('app_roles'));
    for (const role of ['Storage Queue Data Reader', 'Storage Queue Data Message Processor', 'Storage Queue Data Message Sender']) expect(roles).toContain(role);
    expect(roles).not.toContain('Storage Queue Data Contributor');
  });
});

describe('host storage on the deployed app', () => {
  /** The PUT of the app's `config/appsettings` that follows the provider, in a copy of the parsed HCL. */
  function settingsWriter(model: InfraModel): ResourceBlock {
    const [writer] = resourcesOfType(model, 'azapi_resource_action');
    if (writer === undefined) throw new Error('no azapi_resource_action');
    return writer;
  }

  it('holds no AzureWebJobsStorage connection string: the full intended set is PUT after the provider writes one', () => {
    expect(checkHostStorageSetting(infra)).toEqual([]);
    const writer = settingsWriter(infra);
    const written = resolve(infra, writer.module, isObject(writer.body.body) ? writer.body.body.properties : undefined);
    expect(isObject(written) ? Object.keys(written).sort() : written).toEqual(
      expect.arrayContaining(['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId', 'APPLICATIONINSIGHTS_CONNECTION_STRING']),
    );
    expect(isObject(written) && 'AzureWebJobsStorage' in written).toBe(false);
  });

  it('without the PUT, the provider\u2019s empty-key connection string stays on the app', () => {
    const broken = structuredClone(infra);
    const module = broken.modules.get(settingsWriter(broken).module);
    if (module === undefined) throw new Error('no module');
    module.resources.splice(module.resources.indexOf(settingsWriter(broken)), 1);
    expect(checkHostStorageSetting(broken)).toEqual([expect.stringMatching(/leaves AzureWebJobsStorage with an empty AccountKey on the app \(#29693\)/)]);
  });

  it('a PUT that writes AzureWebJobsStorage, or leaves a setting out, is reported', () => {
    const broken = structuredClone(infra);
    const writer = settingsWriter(broken);
    const written = resolve(broken, writer.module, isObject(writer.body.body) ? writer.body.body.properties : undefined);
    if (!isObject(written)) throw new Error('settings do not resolve');
    const { APPLICATIONINSIGHTS_CONNECTION_STRING: _dropped, ...rest } = written;
    writer.body.body = { properties: { ...rest, AzureWebJobsStorage: '' } };
    const findings = checkHostStorageSetting(broken);
    expect(findings).toContainEqual(expect.stringMatching(/writes AzureWebJobsStorage; the deployed app must hold no host-storage connection string/));
    expect(findings).toContainEqual(expect.stringMatching(/leaves out APPLICATIONINSIGHTS_CONNECTION_STRING, so its PUT would delete it/));
  });

  it('a PUT that does not run again when the app is updated is reported', () => {
    const broken = structuredClone(infra);
    delete settingsWriter(broken).body.lifecycle;
    expect(checkHostStorageSetting(broken)).toEqual([expect.stringMatching(/must run again on every update of .*azurerm_function_app_flex_consumption\.this/)]);
  });
});

describe('the governance role', () => {
  it('grants exactly the ARM actions the code performs, without wildcards or deletes', () => {
    expect(checkGovernanceRole(infra, requiredActions)).toEqual([]);
  });

  it('a role that loses an action the code needs is reported', () => {
    const broken = mutate('azurerm_role_definition', (body) => {
      const [permissions] = blocks(body, 'permissions');
      if (permissions === undefined || !Array.isArray(permissions.actions)) throw new Error('no actions');
      permissions.actions = permissions.actions.filter((action) => action !== 'Microsoft.MachineLearningServices/workspaces/computes/write');
    }, 'this');
    expect(checkGovernanceRole(broken, requiredActions)).toEqual([
      expect.stringMatching(/lacks Microsoft\.MachineLearningServices\/workspaces\/computes\/write, which the code needs/),
    ]);
  });

  it('a wildcard, a delete or an unneeded action is reported', () => {
    const broken = mutate('azurerm_role_definition', (body) => {
      const [permissions] = blocks(body, 'permissions');
      if (permissions === undefined || !Array.isArray(permissions.actions)) throw new Error('no actions');
      permissions.actions = [
        ...permissions.actions,
        'Microsoft.MachineLearningServices/workspaces/*/write',
        'Microsoft.MachineLearningServices/workspaces/computes/delete',
        'Microsoft.MachineLearningServices/workspaces/datastores/read',
      ];
    }, 'this');
    const findings = checkGovernanceRole(broken, requiredActions);
    expect(findings).toContainEqual(expect.stringMatching(/grants the wildcard Microsoft\.MachineLearningServices\/workspaces\/\*\/write/));
    expect(findings).toContainEqual(expect.stringMatching(/grants the delete action .*computes\/delete/));
    expect(findings).toContainEqual(expect.stringMatching(/grants .*datastores\/read, which the code does not need/));
  });

  it('deleting a Failed online deployment is granted only by a role of its own, created when allow_failed_deployment_deletion opts in', () => {
    expect(requiredActions.has('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete')).toBe(true);
    const optIn = resourcesOfType(infra, 'azurerm_role_definition').find((role) => role.name === 'failed_deployment_deletion');
    expect(optIn?.body.count).toMatch(/var\.allow_failed_deployment_deletion \? 1 : 0/);

    const widened = structuredClone(infra);
    const role = resourcesOfType(widened, 'azurerm_role_definition').find((definition) => definition.name === 'failed_deployment_deletion');
    const [permissions] = blocks(role?.body, 'permissions');
    if (permissions === undefined || !Array.isArray(permissions.actions)) throw new Error('no actions');
    permissions.actions = [...permissions.actions, 'Microsoft.MachineLearningServices/workspaces/computes/delete'];
    if (role !== undefined) role.body.count = 1;
    expect(checkGovernanceRole(widened, requiredActions)).toEqual([
      expect.stringMatching(/failed_deployment_deletion: must exist only when a variable opts in/),
      expect.stringMatching(/failed_deployment_deletion: grants .*computes\/delete, which is not an opt-in action/),
    ]);

    const missing = structuredClone(infra);
    const module = missing.modules.get('modules/governance_role');
    if (module === undefined) throw new Error('no governance_role module');
    module.resources.splice(0, module.resources.length, ...module.resources.filter((resource) => resource.name !== 'failed_deployment_deletion'));
    expect(checkGovernanceRole(missing, requiredActions)).toEqual([expect.stringMatching(/no opt-in role grants .*deployments\/delete, which the code needs \(src\/adapters\/arm\/onlineEndpointGateway\.ts/)]);
  });

  it('an Azure ML SDK call the code starts making requires its action in the role', () => {
    const withDelete = new Map(requiredActions).set(
      'Microsoft.MachineLearningServices/workspaces/computes/delete',
      'src/adapters/arm/example.ts: computeOperations.beginDeleteAndWait(',
    );
    expect(checkGovernanceRole(infra, withDelete)).toContainEqual(
      expect.stringMatching(/lacks Microsoft\.MachineLearningServices\/workspaces\/computes\/delete, which the code needs \(src\/adapters\/arm\/example\.ts/),
    );
  });
});

describe('security baseline', () => {
  it('HTTPS only, TLS 1.2+, FTP and basic-auth publishing off, private blobs, no shared keys, Key Vault in RBAC mode', () => {
    expect(checkSecurityBaseline(infra)).toEqual([]);
  });

  it('weakening the Function App, the storage account or the vault is reported', () => {
    const broken = structuredClone(infra);
    const [app] = resourcesOfType(broken, 'azurerm_function_app_flex_consumption');
    const [account] = resourcesOfType(broken, 'azurerm_storage_account');
    const [vault] = resourcesOfType(broken, 'azurerm_key_vault');
    const [ftpPolicy] = resourcesOfType(broken, 'azapi_update_resource');
    const siteConfig = block(app?.body, 'site_config');
    if (!app || !account || !vault || !ftpPolicy || !siteConfig) throw new Error('missing resources');
    app.body.https_only = false;
    siteConfig.minimum_tls_version = '1.1';
    account.body.allow_nested_items_to_be_public = true;
    account.body.shared_access_key_enabled = true;
    vault.body.rbac_authorization_enabled = false;
    ftpPolicy.body.body = { properties: { allow: true } };
    const findings = checkSecurityBaseline(broken);
    expect(findings).toContainEqual(expect.stringMatching(/https_only must be true/));
    expect(findings).toContainEqual(expect.stringMatching(/minimum_tls_version must be "1\.2" or "1\.3" \(is "1\.1"\)/));
    expect(findings).toContainEqual(expect.stringMatching(/allow_nested_items_to_be_public must be false/));
    expect(findings).toContainEqual(expect.stringMatching(/shared_access_key_enabled must be false/));
    expect(findings).toContainEqual(expect.stringMatching(/rbac_authorization_enabled must be true/));
    expect(findings).toContainEqual(expect.stringMatching(/FTP publishing must be off/));
  });
});

describe('storage access of the deploying identity', () => {
  it('needs no Storage data role: Entra ID on the data plane, sub-resources through Resource Manager, no data written', () => {
    expect(checkDeployerStorageAccess(infra)).toEqual([]);
  });

  it('key-based data-plane access, a container named by account name, or a blob written by Terraform is reported', () => {
    const broken = structuredClone(infra);
    const [azurerm] = broken.modules.get('.')?.providers.get('azurerm') ?? [];
    const [container] = resourcesOfType(broken, 'azurerm_storage_container');
    const storage = broken.modules.get(container?.module ?? '');
    if (azurerm === undefined || container === undefined || storage === undefined) throw new Error('missing provider or container');
    delete azurerm.storage_use_azuread;
    delete container.body.storage_account_id;
    container.body.storage_account_name = '${azurerm_storage_account.this.name}';
    storage.resources.push({ module: storage.dir, file: 'main.tf', type: 'azurerm_storage_blob', name: 'seed', body: {} });
    const findings = checkDeployerStorageAccess(broken);
    expect(findings).toContainEqual(expect.stringMatching(/provider "azurerm" must set storage_use_azuread = true/));
    expect(findings).toContainEqual(expect.stringMatching(/azurerm_storage_container\.[a-z_]+: must name its account by storage_account_id/));
    expect(findings).toContainEqual(expect.stringMatching(/azurerm_storage_blob\.seed: writes data into a storage account/));
  });
});

describe('tags and environments', () => {
  it('every taggable resource carries application and environment tags', () => {
    expect(checkTags(infra)).toEqual([]);
  });

  it('an untagged resource is reported', () => {
    const broken = mutate('azurerm_key_vault', (body) => {
      delete body.tags;
    });
    expect(checkTags(broken)).toEqual(['modules/key_vault: azurerm_key_vault.this: must be tagged with the root module\'s local.tags']);
  });

  it('dev, test and prod variable files set their environment and only declared variables', () => {
    expect(checkEnvironments(infra)).toEqual([]);
    const broken = structuredClone(infra);
    const prod = broken.tfvars.get('prod');
    if (prod === undefined) throw new Error('no prod.tfvars');
    prod.environment = 'production';
    prod.enviroment_name = 'typo';
    expect(checkEnvironments(broken)).toEqual([
      'prod.tfvars: environment must be "prod"',
      'prod.tfvars: sets enviroment_name, which the root module does not declare',
    ]);
  });
});

const execFileAsync = promisify(execFile);

async function terraformVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('terraform', ['version'], { timeout: 20_000 });
    return stdout;
  } catch {
    return undefined;
  }
}

describe('formatting', () => {
  it('infra/ is in terraform fmt canonical form', async () => {
    if ((await terraformVersion()) !== undefined) {
      // fmt never contacts a registry; -check exits non-zero and lists files that would change.
      const result = await execFileAsync('terraform', ['fmt', '-check', '-recursive', '-diff', infraDir], { timeout: 60_000 }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '' }),
      );
      expect(result).toEqual({ code: 0, stdout: '' });
    } else {
      // Without terraform: the parts of fmt's canon that need no parser.
      for (const file of infra.modules.values()) {
        for (const relative of file.files) {
          const text = await readFile(path.join(infraDir, relative), 'utf8');
          expect({ relative, tabs: /\t/.test(text), trailing: /[ \t]+$/m.test(text), finalNewline: text.endsWith('\n') }).toEqual({
            relative,
            tabs: false,
            trailing: false,
            finalNewline: true,
          });
        }
      }
    }
  });
});
