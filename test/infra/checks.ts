/**
 * Checks that tie `infra/` to the code. Each is a pure function of the parsed Terraform (and of facts read
 * from the source) that returns its findings as sentences naming the resource; no finding = the check holds.
 * Pure so the tests can run them on deliberately broken copies of the parsed HCL and see them fail.
 */
import type { CodeFacts } from './codeFacts.js';
import type { HclObject, HclValue, InfraModel, ResourceBlock } from './terraformModel.js';
import { address, block, blocks, isObject, resolve, resourcesOfType, stringsOf } from './terraformModel.js';
import { GOVERNED_JOB_STATUSES } from '../../src/jobs/onRunStatusChanged.js';
import { OPT_IN_ARM_OPERATIONS } from '../../src/adapters/arm/armOperations.js';

export type Findings = string[];

const eventSubscriptionType = 'azurerm_eventgrid_system_topic_event_subscription';
const functionAppType = 'azurerm_function_app_flex_consumption';

function functionNameOf(functionId: string): string | undefined {
  return /\/functions\/([A-Za-z0-9_-]+)$/.exec(functionId)?.[1];
}

/** `azurerm_eventgrid_system_topic.workspace[each.key].name` → the `workspace` topic in the same module. */
function systemTopicOf(model: InfraModel, subscription: ResourceBlock): ResourceBlock | undefined {
  const reference = typeof subscription.body.system_topic === 'string' ? subscription.body.system_topic : '';
  const name = /azurerm_eventgrid_system_topic\.([A-Za-z0-9_-]+)/.exec(reference)?.[1];
  return resourcesOfType(model, 'azurerm_eventgrid_system_topic').find(
    (topic) => topic.module === subscription.module && topic.name === name,
  );
}

/** `Microsoft.MachineLearningServices.Workspaces` → `Microsoft.MachineLearningServices.` */
function eventNamespaceOf(topicType: string): string {
  return topicType.split('.').slice(0, 2).join('.') + '.';
}

export function valueAtPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function numberOf(value: HclValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Every Event Grid subscription delivers to a function the code registers with an Event Grid trigger, with
 * event types the code handles (and that its system topic emits), a retry policy and a dead-letter
 * destination reached with an identity; every Event Grid function receives a subscription; filters on the
 * event payload name fields that exist in a real delivery (`sampleEvents`: event type → one real event).
 */
export function checkEventSubscriptions(
  model: InfraModel,
  code: CodeFacts,
  sampleEvents: ReadonlyMap<string, unknown>,
): Findings {
  const findings: Findings = [];
  const subscriptions = resourcesOfType(model, eventSubscriptionType);
  if (subscriptions.length === 0) findings.push(`no ${eventSubscriptionType} delivers events to the app`);
  const subscribed = new Set<string>();
  for (const subscription of subscriptions) {
    const where = address(subscription);
    const endpoint = block(subscription.body, 'azure_function_endpoint');
    const functionId = typeof endpoint?.function_id === 'string' ? endpoint.function_id : '';
    const functionName = functionNameOf(functionId);
    if (endpoint === undefined || functionName === undefined) {
      findings.push(`${where}: must deliver to a function (azure_function_endpoint.function_id = "<app id>/functions/<name>")`);
    } else if (!code.eventGridFunctions.has(functionName)) {
      const registered = [...code.eventGridFunctions.keys()].join(', ') || 'none';
      findings.push(`${where}: targets function '${functionName}', which the code does not register with app.eventGrid (registered: ${registered})`);
    } else {
      subscribed.add(functionName);
    }

    const eventTypes = stringsOf(resolve(model, subscription.module, subscription.body.included_event_types));
    if (eventTypes.length === 0) findings.push(`${where}: must list included_event_types (otherwise every event type reaches the function)`);
    const topic = systemTopicOf(model, subscription);
    const topicType = typeof topic?.body.topic_type === 'string' ? topic.body.topic_type : undefined;
    if (topicType === undefined) findings.push(`${where}: its system_topic must name an azurerm_eventgrid_system_topic in the same module`);
    for (const eventType of eventTypes) {
      if (!code.handledEventTypes.has(eventType)) findings.push(`${where}: event type '${eventType}' is not one the code handles`);
      if (topicType !== undefined && !eventType.startsWith(eventNamespaceOf(topicType))) {
        findings.push(`${where}: event type '${eventType}' is never emitted by a ${topicType} system topic`);
      }
    }

    const retry = block(subscription.body, 'retry_policy');
    const attempts = numberOf(resolve(model, subscription.module, retry?.max_delivery_attempts));
    const ttl = numberOf(resolve(model, subscription.module, retry?.event_time_to_live));
    if (retry === undefined || attempts === undefined || attempts < 1 || ttl === undefined || ttl < 1 || ttl > 1440) {
      findings.push(`${where}: needs a retry_policy (max_delivery_attempts >= 1, event_time_to_live 1-1440 minutes)`);
    }
    const deadLetter = block(subscription.body, 'storage_blob_dead_letter_destination');
    if (deadLetter === undefined || typeof deadLetter.storage_blob_container_name !== 'string') {
      findings.push(`${where}: needs a storage_blob_dead_letter_destination`);
    }
    if (block(subscription.body, 'dead_letter_identity') === undefined) {
      findings.push(`${where}: needs a dead_letter_identity (shared-key access to storage is off)`);
    }

    for (const filters of blocks(subscription.body, 'advanced_filter')) {
      for (const [operator, conditions] of Object.entries(filters)) {
        for (const condition of blocks({ c: conditions }, 'c')) {
          const key = typeof condition.key === 'string' ? condition.key : '';
          for (const eventType of eventTypes) {
            const sample = sampleEvents.get(eventType);
            if (sample !== undefined && valueAtPath(sample, key) === undefined) {
              findings.push(`${where}: advanced_filter ${operator} key '${key}' does not exist in a real ${eventType} event`);
            }
          }
        }
      }
    }
  }
  for (const [name, file] of code.eventGridFunctions) {
    if (!subscribed.has(name)) findings.push(`function '${name}' (${file}) is registered with app.eventGrid but no subscription delivers to it`);
  }
  return findings;
}

/**
 * Subscriptions whose topic emits Microsoft.Resources events must only let writes of Azure ML workspaces and
 * computes through (`data.operationName` begins with `Microsoft.MachineLearningServices/workspaces`).
 */
export function checkResourceEventFilter(model: InfraModel): Findings {
  const findings: Findings = [];
  for (const subscription of resourcesOfType(model, eventSubscriptionType)) {
    const topic = systemTopicOf(model, subscription);
    if (typeof topic?.body.topic_type !== 'string' || !topic.body.topic_type.startsWith('Microsoft.Resources.')) continue;
    const filters = blocks(subscription.body, 'advanced_filter').flatMap((filter) => blocks(filter, 'string_begins_with'));
    const onOperation = filters.filter((filter) => filter.key === 'data.operationName');
    const values = onOperation.flatMap((filter) => stringsOf(filter.values));
    if (values.length === 0 || !values.every((value) => value.startsWith('Microsoft.MachineLearningServices/workspaces'))) {
      findings.push(
        `${address(subscription)}: must filter with string_begins_with on data.operationName to Microsoft.MachineLearningServices/workspaces`,
      );
    }
  }
  return findings;
}

const runStatusChanged = 'Microsoft.MachineLearningServices.RunStatusChanged';

/**
 * RunStatusChanged reaches the app only for failed runs and for jobs about to run or running: Azure ML raises it on
 * every status change of a run (MicrosoftDocs/azure-docs articles/event-grid/event-schema-machine-learning.md).
 * So each subscription to it filters with string_in on `data.runStatus` to exactly Failed or exactly the statuses
 * the jobs: rules judge (Event Grid compares strings ignoring case), one of each exists, and none carries another
 * event type: an event without the key never matches StringIn (articles/event-grid/event-filtering.md), so the filter
 * would drop the others.
 */
export function checkRunStatusFilters(model: InfraModel): Findings {
  const findings: Findings = [];
  const subscriptions = resourcesOfType(model, eventSubscriptionType).filter((subscription) =>
    stringsOf(resolve(model, subscription.module, subscription.body.included_event_types)).includes(runStatusChanged),
  );
  const failed = ['failed'];
  const active = GOVERNED_JOB_STATUSES.map((status) => status.toLowerCase());
  const sameSet = (values: readonly string[], wanted: readonly string[]): boolean => values.length === wanted.length && wanted.every((value) => values.includes(value));
  let failedSeen = false;
  let activeSeen = false;
  for (const subscription of subscriptions) {
    const where = address(subscription);
    const others = stringsOf(resolve(model, subscription.module, subscription.body.included_event_types)).filter((type) => type !== runStatusChanged);
    if (others.length > 0) {
      findings.push(`${where}: ${runStatusChanged} must have a subscription of its own; its data.runStatus filter would drop ${others.join(', ')} (a missing key never matches StringIn)`);
    }
    const onStatus = blocks(subscription.body, 'advanced_filter')
      .flatMap((filter) => blocks(filter, 'string_in'))
      .filter((condition) => condition.key === 'data.runStatus');
    const values = [...new Set(onStatus.flatMap((condition) => stringsOf(condition.values).map((value) => value.toLowerCase())))];
    if (sameSet(values, failed)) failedSeen = true;
    else if (sameSet(values, active)) activeSeen = true;
    else {
      findings.push(
        `${where}: must filter with string_in on data.runStatus to ["Failed"] or to ${JSON.stringify(GOVERNED_JOB_STATUSES)} (${runStatusChanged} is raised on every status change of a run)`,
      );
    }
  }
  if (!failedSeen) findings.push(`no ${eventSubscriptionType} delivers ${runStatusChanged} for Failed runs (failed-run notifications)`);
  if (!activeSeen) findings.push(`no ${eventSubscriptionType} delivers ${runStatusChanged} for ${GOVERNED_JOB_STATUSES.join(', ')} (the jobs: rules)`);
  return findings;
}

function variablesReferenced(expression: HclValue | undefined): string[] {
  if (typeof expression !== 'string') return [];
  return [...expression.matchAll(/\bvar\.([A-Za-z0-9_]+)/g)].flatMap((match) => (match[1] ? [match[1]] : []));
}

/**
 * The two-step apply: Azure validates a function endpoint when a subscription is created, so subscriptions
 * exist only when the root variable `deploy_event_subscriptions` (default false) is true.
 */
export function checkTwoStepApply(model: InfraModel): Findings {
  const findings: Findings = [];
  const root = model.modules.get('.');
  const variable = root?.variables.get('deploy_event_subscriptions');
  if (variable === undefined) {
    findings.push('root module must declare variable "deploy_event_subscriptions"');
  } else {
    if (variable.type !== '${bool}') findings.push('variable "deploy_event_subscriptions" must be a bool');
    if (variable.default !== false) findings.push('variable "deploy_event_subscriptions" must default to false (first apply)');
  }
  for (const subscription of resourcesOfType(model, eventSubscriptionType)) {
    const gate = subscription.body.for_each ?? subscription.body.count;
    const gatedBy = variablesReferenced(gate).some((name) => {
      if (subscription.module === '.') return name === 'deploy_event_subscriptions';
      const caller = [...model.modules.values()].flatMap((m) => m.moduleCalls).find((call) => call.source === subscription.module);
      return caller?.module === '.' && caller.body[name] === '${var.deploy_event_subscriptions}';
    });
    if (!gatedBy) findings.push(`${address(subscription)}: must be created only when var.deploy_event_subscriptions is true`);
  }
  return findings;
}

const flexIncompatibleSettings = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
];

const secretValuePattern = /azurerm_key_vault_secret\.[^}]*\.value|primary_access_key|secondary_access_key|primary_connection_string|secondary_connection_string|AccountKey=/;

/** The settings the Function App gets: its `app_settings` map plus what the provider derives from `site_config`. */
export function functionAppSettings(model: InfraModel, app: ResourceBlock): Map<string, HclValue> | undefined {
  const resolved = resolve(model, app.module, app.body.app_settings);
  if (!isObject(resolved)) return undefined;
  const settings = new Map<string, HclValue>(Object.entries(resolved));
  const siteConfig = block(app.body, 'site_config');
  if (siteConfig?.application_insights_connection_string !== undefined) {
    settings.set('APPLICATIONINSIGHTS_CONNECTION_STRING', siteConfig.application_insights_connection_string);
  }
  return settings;
}

/**
 * Every setting the code reads is set on the Function App or documented as optional (with a reason); every
 * AML_WARDEN_* setting infra sets is one the code reads; identity-based storage and credentials; no setting
 * Flex Consumption rejects; no secret values in settings or in the Terraform state.
 */
export function checkAppSettings(model: InfraModel, code: CodeFacts, optional: ReadonlyMap<string, string>): Findings {
  const findings: Findings = [];
  const apps = resourcesOfType(model, functionAppType);
  if (apps.length !== 1) return [`expected exactly one ${functionAppType}, found ${apps.length}`];
  const [app] = apps as [ResourceBlock];
  const where = address(app);
  const settings = functionAppSettings(model, app);
  if (settings === undefined) return [`${where}: app_settings must resolve to a map (literal, var, local or merge of those)`];

  for (const name of code.settingsRead) {
    if (!settings.has(name) && !optional.has(name)) {
      findings.push(`${name} is read by the code but neither set on ${where} nor listed under "Optional settings" in infra/README.md`);
    }
  }
  for (const name of settings.keys()) {
    if (name.startsWith('AML_WARDEN_') && !code.settingsRead.has(name)) findings.push(`${where}: sets ${name}, which the code never reads`);
  }
  for (const name of optional.keys()) {
    if (!code.settingsRead.has(name)) findings.push(`infra/README.md lists ${name} as optional, but the code never reads it`);
  }

  const expect = (name: string, test: (value: HclValue | undefined) => boolean, what: string): void => {
    if (!test(settings.get(name))) findings.push(`${where}: ${name} must ${what}`);
  };
  const present = (value: HclValue | undefined): boolean => typeof value === 'string' && value !== '';
  expect('AML_WARDEN_CREDENTIAL', (value) => value === 'default', 'be "default" (managed identity)');
  expect('AZURE_CLIENT_ID', present, "be the user-assigned identity's client id");
  expect('AzureWebJobsStorage__accountName', present, 'name the host storage account (identity-based AzureWebJobsStorage)');
  expect('AzureWebJobsStorage__credential', (value) => value === 'managedidentity', 'be "managedidentity"');
  expect('AzureWebJobsStorage__clientId', present, "be the user-assigned identity's client id");
  expect('AzureWebJobsStorage', (value) => value === undefined, 'not be set (a connection string holds a key)');
  expect('AML_WARDEN_STATE_CONNECTION_STRING', (value) => value === undefined, 'not be set (state is identity-based via AML_WARDEN_STATE_TABLE_URL)');
  for (const name of flexIncompatibleSettings) {
    expect(name, (value) => value === undefined, 'not be set (Flex Consumption rejects it)');
  }
  for (const [name, value] of settings) {
    if (typeof value === 'string' && secretValuePattern.test(value)) findings.push(`${where}: ${name} holds a secret value; hold a Key Vault name or reference instead`);
  }
  for (const secret of resourcesOfType(model, 'azurerm_key_vault_secret')) {
    if (secret.body.value !== undefined) findings.push(`${address(secret)}: a secret value in Terraform lands in the state file; set it out of band`);
  }
  return findings;
}

const hostStorageSetting = 'AzureWebJobsStorage';

/** A write of the whole `Microsoft.Web/sites/config` `appsettings` of `app`, by azapi (action or update). */
function appSettingsWriters(model: InfraModel, app: ResourceBlock): ResourceBlock[] {
  const appId = `${functionAppType}.${app.name}.id`;
  return [...resourcesOfType(model, 'azapi_resource_action'), ...resourcesOfType(model, 'azapi_update_resource')].filter((writer) => {
    if (writer.module !== app.module || typeof writer.body.type !== 'string' || !writer.body.type.startsWith('Microsoft.Web/sites/config@')) return false;
    if (writer.type === 'azapi_resource_action') {
      const target = typeof writer.body.resource_id === 'string' ? writer.body.resource_id : '';
      return target.includes(appId) && target.endsWith('/config/appsettings');
    }
    return typeof writer.body.parent_id === 'string' && writer.body.parent_id.includes(appId) && writer.body.name === 'appsettings';
  });
}

/**
 * No `AzureWebJobsStorage` connection string on the deployed app. azurerm_function_app_flex_consumption writes one
 * with an empty AccountKey on every create and update, even with identity-based storage
 * (hashicorp/terraform-provider-azurerm #29693, #30732), so a PUT of `config/appsettings` must follow it: with
 * the complete intended set (a PUT replaces the whole set) and without `AzureWebJobsStorage`, run again on every
 * update of the app (`replace_triggered_by`), and, for an action, with method PUT.
 */
export function checkHostStorageSetting(model: InfraModel): Findings {
  const apps = resourcesOfType(model, functionAppType);
  if (apps.length !== 1) return [`expected exactly one ${functionAppType}, found ${apps.length}`];
  const [app] = apps as [ResourceBlock];
  const intended = functionAppSettings(model, app);
  if (intended === undefined) return [`${address(app)}: app_settings must resolve to a map (literal, var, local or merge of those)`];
  const writers = appSettingsWriters(model, app);
  if (writers.length === 0) {
    return [
      `${address(app)}: the provider leaves ${hostStorageSetting} with an empty AccountKey on the app (#29693); PUT the intended settings to <app id>/config/appsettings after it (azapi)`,
    ];
  }
  const findings: Findings = [];
  for (const writer of writers) {
    const where = address(writer);
    if (writer.type === 'azapi_resource_action' && writer.body.method !== 'PUT') findings.push(`${where}: method must be "PUT" (a PUT replaces the whole set)`);
    const written = resolve(model, writer.module, isObject(writer.body.body) ? writer.body.body.properties : undefined);
    if (!isObject(written)) {
      findings.push(`${where}: body.properties must resolve to the settings map (literal, var, local or merge of those)`);
      continue;
    }
    for (const name of Object.keys(written)) {
      if (name.toLowerCase() === hostStorageSetting.toLowerCase()) findings.push(`${where}: writes ${name}; the deployed app must hold no host-storage connection string`);
      else if (!intended.has(name)) findings.push(`${where}: writes ${name}, which ${address(app)} does not set`);
      else if (written[name] !== intended.get(name)) findings.push(`${where}: writes ${name} = ${JSON.stringify(written[name])}, but ${address(app)} sets ${JSON.stringify(intended.get(name))}`);
    }
    for (const name of intended.keys()) {
      if (!(name in written)) findings.push(`${where}: leaves out ${name}, so its PUT would delete it (a PUT of appsettings replaces the whole set)`);
    }
    const triggers = blocks(writer.body, 'lifecycle').flatMap((lifecycle) => stringsOf(lifecycle.replace_triggered_by));
    if (!triggers.some((trigger) => trigger === `\${${functionAppType}.${app.name}}`)) {
      findings.push(`${where}: must run again on every update of ${address(app)}, which writes ${hostStorageSetting} back (lifecycle replace_triggered_by = [${functionAppType}.${app.name}])`);
    }
  }
  return findings;
}

/**
 * The governance role grants exactly the ARM actions the code performs but the opt-in ones: no wildcards, no deletes,
 * nothing unneeded, and it is assigned. An opt-in action (`OPT_IN_ARM_OPERATIONS`, e.g. deleting Failed online
 * deployments) is granted only by a role of its own that exists only when a variable says so (`count` on `var.…`),
 * grants nothing else, and is assigned.
 */
export function checkGovernanceRole(model: InfraModel, requiredActions: ReadonlyMap<string, string>, optInActions: readonly string[] = OPT_IN_ARM_OPERATIONS): Findings {
  const findings: Findings = [];
  const roles = resourcesOfType(model, 'azurerm_role_definition');
  const governance = roles.filter((role) => role.name === 'this');
  if (governance.length !== 1) return [`expected exactly one azurerm_role_definition "this" (the governance role), found ${governance.length}`];
  const [role] = governance as [ResourceBlock];
  const actionsOf = (definition: ResourceBlock): Set<string> =>
    new Set(blocks(definition.body, 'permissions').flatMap((p) => stringsOf(resolve(model, definition.module, p.actions))));
  const isAssigned = (definition: ResourceBlock): boolean =>
    resourcesOfType(model, 'azurerm_role_assignment').some(
      (assignment) =>
        assignment.module === definition.module &&
        typeof assignment.body.role_definition_id === 'string' &&
        assignment.body.role_definition_id.includes(`azurerm_role_definition.${definition.name}`),
    );
  const where = address(role);
  const actions = actionsOf(role);
  for (const [action, reason] of requiredActions) {
    if (!optInActions.includes(action) && !actions.has(action)) findings.push(`${where}: lacks ${action}, which the code needs (${reason})`);
  }
  for (const action of actions) {
    if (action.includes('*')) findings.push(`${where}: grants the wildcard ${action}`);
    else if (/\/delete$/i.test(action)) findings.push(`${where}: grants the delete action ${action}`);
    else if (!requiredActions.has(action)) findings.push(`${where}: grants ${action}, which the code does not need`);
  }
  for (const definition of roles) {
    for (const permission of blocks(definition.body, 'permissions')) {
      if (stringsOf(resolve(model, definition.module, permission.data_actions)).length > 0) findings.push(`${address(definition)}: grants data actions`);
    }
  }
  if (!isAssigned(role)) findings.push(`${where}: is never assigned (azurerm_role_assignment with its role_definition_id)`);

  const optInRoles = roles.filter((definition) => definition !== role);
  for (const definition of optInRoles) {
    const at = address(definition);
    if (typeof definition.body.count !== 'string' || !/\bvar\.[A-Za-z0-9_]+/.test(definition.body.count)) findings.push(`${at}: must exist only when a variable opts in (count on var.…)`);
    for (const action of actionsOf(definition)) {
      if (!optInActions.includes(action)) findings.push(`${at}: grants ${action}, which is not an opt-in action`);
    }
    if (!isAssigned(definition)) findings.push(`${at}: is never assigned (azurerm_role_assignment with its role_definition_id)`);
  }
  for (const action of optInActions) {
    if (requiredActions.has(action) && !optInRoles.some((definition) => actionsOf(definition).has(action))) {
      findings.push(`no opt-in role grants ${action}, which the code needs (${requiredActions.get(action) ?? ''})`);
    }
  }
  return findings;
}

function requireAttribute(findings: Findings, resource: ResourceBlock, body: HclObject | undefined, name: string, allowed: readonly HclValue[]): void {
  const value = body?.[name];
  if (!allowed.includes(value ?? null)) {
    findings.push(`${address(resource)}: ${name} must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')} (is ${JSON.stringify(value ?? null)})`);
  }
}

/**
 * HTTPS only, TLS 1.2+, FTP and basic-auth publishing off, no public blobs, no shared keys, Key Vault in RBAC
 * mode, Flex Consumption with Node 20 or 22 and a user-assigned identity.
 */
export function checkSecurityBaseline(model: InfraModel): Findings {
  const findings: Findings = [];
  for (const app of resourcesOfType(model, functionAppType)) {
    const siteConfig = block(app.body, 'site_config');
    requireAttribute(findings, app, app.body, 'https_only', [true]);
    requireAttribute(findings, app, siteConfig, 'minimum_tls_version', ['1.2', '1.3']);
    requireAttribute(findings, app, siteConfig, 'scm_minimum_tls_version', ['1.2', '1.3']);
    requireAttribute(findings, app, app.body, 'webdeploy_publish_basic_authentication_enabled', [false]);
    requireAttribute(findings, app, app.body, 'runtime_name', ['node']);
    requireAttribute(findings, app, app.body, 'storage_authentication_type', ['UserAssignedIdentity']);
    requireAttribute(findings, app, block(app.body, 'identity'), 'type', ['UserAssigned']);
    if (siteConfig?.remote_debugging_enabled === true) findings.push(`${address(app)}: remote debugging must be off`);
    const runtimeVersion = resolve(model, app.module, app.body.runtime_version);
    if (runtimeVersion !== '20' && runtimeVersion !== '22') findings.push(`${address(app)}: runtime_version must be Node 20 or 22 (is ${JSON.stringify(runtimeVersion)})`);
    const ftpOff = [...resourcesOfType(model, 'azapi_update_resource'), ...resourcesOfType(model, 'azapi_resource')].some(
      (policy) =>
        policy.module === app.module &&
        typeof policy.body.type === 'string' &&
        policy.body.type.startsWith('Microsoft.Web/sites/basicPublishingCredentialsPolicies@') &&
        policy.body.name === 'ftp' &&
        typeof policy.body.parent_id === 'string' &&
        policy.body.parent_id.includes(`${functionAppType}.${app.name}.id`) &&
        valueAtPath(policy.body.body, 'properties.allow') === false,
    );
    if (!ftpOff) findings.push(`${address(app)}: FTP publishing must be off (basicPublishingCredentialsPolicies/ftp allow = false)`);
  }
  for (const plan of resourcesOfType(model, 'azurerm_service_plan')) {
    requireAttribute(findings, plan, plan.body, 'sku_name', ['FC1']);
  }
  for (const account of resourcesOfType(model, 'azurerm_storage_account')) {
    requireAttribute(findings, account, account.body, 'https_traffic_only_enabled', [true]);
    requireAttribute(findings, account, account.body, 'min_tls_version', ['TLS1_2']);
    requireAttribute(findings, account, account.body, 'allow_nested_items_to_be_public', [false]);
    requireAttribute(findings, account, account.body, 'shared_access_key_enabled', [false]);
  }
  for (const container of resourcesOfType(model, 'azurerm_storage_container')) {
    requireAttribute(findings, container, container.body, 'container_access_type', ['private']);
  }
  for (const vault of resourcesOfType(model, 'azurerm_key_vault')) {
    requireAttribute(findings, vault, vault.body, 'rbac_authorization_enabled', [true]);
    requireAttribute(findings, vault, vault.body, 'purge_protection_enabled', [true]);
    if (blocks(vault.body, 'access_policy').length > 0) findings.push(`${address(vault)}: access policies bypass RBAC; remove them`);
  }
  return findings;
}

/** Resources that write data into a storage account (blobs, entities, files): each needs a data role for the deployer. */
const storageDataResourceTypes = [
  'azurerm_storage_blob',
  'azurerm_storage_table_entity',
  'azurerm_storage_share_file',
  'azurerm_storage_share_directory',
  'azurerm_storage_data_lake_gen2_path',
];

/**
 * Storage sub-resources that go through Resource Manager with `storage_account_id`, and the data plane with
 * `storage_account_name` (azurerm docs of storage_container, storage_queue, storage_share).
 */
const storageSubResourceTypes = ['azurerm_storage_container', 'azurerm_storage_queue', 'azurerm_storage_share'];

/**
 * The deploying identity needs no Storage data role (infra/README.md, "Storage access for the deploying
 * identity"): shared keys are off, so the azurerm provider must reach the storage data plane with Entra ID
 * (`storage_use_azuread`; otherwise reading the account fails, #27752); every container, queue or share is created
 * through Resource Manager (`storage_account_id`), and no resource writes data.
 */
export function checkDeployerStorageAccess(model: InfraModel): Findings {
  const findings: Findings = [];
  const azurerm = model.modules.get('.')?.providers.get('azurerm') ?? [];
  if (azurerm.length === 0 || !azurerm.every((config) => config.storage_use_azuread === true)) {
    findings.push('provider "azurerm" must set storage_use_azuread = true: shared-key access is off, and the provider reads each storage account over the data plane');
  }
  for (const type of storageSubResourceTypes) {
    for (const resource of resourcesOfType(model, type)) {
      if (resource.body.storage_account_id === undefined || resource.body.storage_account_name !== undefined) {
        findings.push(`${address(resource)}: must name its account by storage_account_id (Resource Manager), not storage_account_name (data plane, a data role for the deployer)`);
      }
    }
  }
  for (const type of storageDataResourceTypes) {
    for (const resource of resourcesOfType(model, type)) {
      findings.push(`${address(resource)}: writes data into a storage account, which needs a Storage data role for whoever runs terraform apply; see infra/README.md`);
    }
  }
  return findings;
}

/** Resource types Azure cannot tag (sub-resources, RBAC objects, extension resources). */
export const untaggableTypes: ReadonlySet<string> = new Set([
  'azurerm_role_definition',
  'azurerm_role_assignment',
  'azurerm_storage_container',
  'azurerm_storage_queue',
  'azurerm_eventgrid_system_topic_event_subscription',
  'azapi_update_resource',
  'azapi_resource_action',
]);

/**
 * Every taggable resource carries the root module's `local.tags`, which merges `var.tags` with
 * `application = "aml-warden"` and `environment = var.environment`.
 */
export function checkTags(model: InfraModel): Findings {
  const findings: Findings = [];
  const rootTags = model.modules.get('.')?.locals.get('tags');
  const merged = typeof rootTags === 'string' ? rootTags : '';
  if (!/merge\(\s*var\.tags\s*,/.test(merged) || !/application\s*=\s*"aml-warden"/.test(merged) || !/environment\s*=\s*var\.environment/.test(merged)) {
    findings.push('root local.tags must be merge(var.tags, { application = "aml-warden", environment = var.environment })');
  }
  for (const module of model.modules.values()) {
    for (const resource of module.resources) {
      if (untaggableTypes.has(resource.type)) continue;
      const tags = resource.body.tags;
      const carriesTags =
        module.dir === '.'
          ? tags === '${local.tags}'
          : tags === '${var.tags}' &&
            [...model.modules.values()]
              .flatMap((m) => m.moduleCalls)
              .filter((call) => call.source === module.dir)
              .every((call) => call.module === '.' && call.body.tags === '${local.tags}');
      if (!carriesTags) findings.push(`${address(resource)}: must be tagged with the root module's local.tags`);
    }
  }
  return findings;
}

/** dev, test and prod variable files exist and each names its own environment. */
export function checkEnvironments(model: InfraModel): Findings {
  const findings: Findings = [];
  for (const environment of ['dev', 'test', 'prod']) {
    const values = model.tfvars.get(environment);
    if (values === undefined) {
      findings.push(`infra/environments/${environment}.tfvars is missing`);
      continue;
    }
    if (values.environment !== environment) findings.push(`${environment}.tfvars: environment must be "${environment}"`);
    for (const name of ['subscription_id', 'location']) {
      if (typeof values[name] !== 'string') findings.push(`${environment}.tfvars: must set ${name}`);
    }
    const declared = model.modules.get('.')?.variables;
    for (const name of Object.keys(values)) {
      if (!declared?.has(name)) findings.push(`${environment}.tfvars: sets ${name}, which the root module does not declare`);
    }
  }
  return findings;
}
