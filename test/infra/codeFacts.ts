/**
 * What the app's source says about itself, read from the source so the infra checks follow the code:
 * - Event Grid functions: what the app really registers, as the offline Functions host loaded it (passed in);
 * - handled event types: `Microsoft.<Provider>.<Event>` literals in `src/events/**` (the parser's type table);
 * - settings: `AML_WARDEN_*` and `APPLICATIONINSIGHTS_CONNECTION_STRING` in `src/config.ts` (the one reader),
 *   plus `%NAME%` app-setting expressions in function registrations (e.g. the sweep's schedule);
 * - ARM actions: Azure ML SDK operation calls anywhere in `src/`, mapped to the RBAC action each needs.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { QUEUE_CONNECTION } from '../../src/queueNames.js';

export interface CodeFacts {
  /** Event Grid trigger name → how it was found. */
  readonly eventGridFunctions: Map<string, string>;
  readonly handledEventTypes: Set<string>;
  readonly settingsRead: Set<string>;
  /** RBAC action → the calls in the source that need it. */
  readonly armActionsUsed: Map<string, string[]>;
}

async function sourceFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
    throw error;
  }
}

async function readAll(files: string[]): Promise<{ file: string; text: string }[]> {
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
}

/**
 * Azure ML SDK operation groups and methods (`@azure/arm-machinelearning`) → the RBAC action Azure checks.
 * A call with no entry here is not mapped (and so not required); add its action when the code starts using it.
 */
const sdkOperationActions: readonly { pattern: RegExp; action: string }[] = [
  { pattern: /\.workspaces\.(get|list\w*)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/read' },
  { pattern: /\.computeOperations\.(get|list)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/computes/read' },
  { pattern: /\.computeOperations\.(listNodes)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/computes/listNodes/action' },
  { pattern: /\.computeOperations\.(listKeys)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/computes/listKeys/action' },
  {
    pattern: /\.computeOperations\.(beginCreateOrUpdate\w*|beginUpdate\w*)\(/g,
    action: 'Microsoft.MachineLearningServices/workspaces/computes/write',
  },
  { pattern: /\.computeOperations\.(beginDelete\w*)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/computes/delete' },
  { pattern: /\.computeOperations\.(beginStart\w*)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/computes/start/action' },
  { pattern: /\.computeOperations\.(beginStop\w*)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/computes/stop/action' },
  { pattern: /\.computeOperations\.(beginRestart\w*)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/computes/restart/action' },
  { pattern: /\.modelContainers\.(get|list)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/models/read' },
  { pattern: /\.modelVersions\.(get|list)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/models/versions/read' },
  { pattern: /\.jobs\.(get|list)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/jobs/read' },
  { pattern: /\.jobs\.(beginCancel\w*)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/jobs/cancel/action' },
  { pattern: /\.onlineEndpoints\.(get|list)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read' },
  { pattern: /\.onlineDeployments\.(get|list)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read' },
  { pattern: /\.onlineDeployments\.(beginUpdate\w*|beginCreateOrUpdate\w*)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write' },
  { pattern: /\.onlineDeployments\.(beginDelete\w*)\(/g, action: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete' },
  { pattern: /\.usages\.(list)\(/g, action: 'Microsoft.MachineLearningServices/locations/usages/read' },
  { pattern: /\.quotas\.(list)\(/g, action: 'Microsoft.MachineLearningServices/locations/quotas/read' },
];

/** A function as the host registered it (`FunctionsHost.functions` of `dev/host/host.ts`). */
export interface RegisteredFunctionInfo {
  readonly name: string;
  readonly kind: string;
  readonly error?: string | undefined;
}

export async function readCodeFacts(repoRoot: string, registered: readonly RegisteredFunctionInfo[]): Promise<CodeFacts> {
  const src = path.join(repoRoot, 'src');
  const functions = await readAll(await sourceFiles(path.join(src, 'functions')));
  const events = await readAll(await sourceFiles(path.join(src, 'events')));
  const everything = await readAll(await sourceFiles(src));
  const config = everything.filter(({ file }) => file === path.join(src, 'config.ts'));

  const eventGridFunctions = new Map<string, string>();
  for (const fn of registered) {
    if (fn.kind === 'eventGrid') eventGridFunctions.set(fn.name, 'an Event Grid trigger registered by src/index.ts');
  }

  const handledEventTypes = new Set<string>();
  for (const { text } of events) {
    for (const match of text.matchAll(/['"`](Microsoft\.(?:MachineLearningServices|Resources)\.[A-Za-z]+)['"`]/g)) {
      if (match[1]) handledEventTypes.add(match[1]);
    }
  }

  const settingsRead = new Set<string>();
  for (const { text } of config) {
    // `AML_WARDEN_QUEUE__queueServiceUri`: an identity-based connection's settings end in a camel-cased property.
    for (const match of text.matchAll(/\b(AML_WARDEN_[A-Z0-9_]+?(?:__[a-z][A-Za-z]*)?|APPLICATIONINSIGHTS_CONNECTION_STRING)\b/g)) {
      if (match[1]) settingsRead.add(match[1]);
    }
  }
  // The Functions host reads the queue triggers' identity-based connection (Microsoft Learn, "Identity-based
  // connections": `<CONNECTION>__queueServiceUri`, `__credential`, `__clientId`).
  for (const property of ['queueServiceUri', 'credential', 'clientId']) settingsRead.add(`${QUEUE_CONNECTION}__${property}`);
  for (const { text } of functions) {
    for (const match of text.matchAll(/%([A-Za-z0-9_]+)%/g)) {
      if (match[1]) settingsRead.add(match[1]);
    }
  }

  const armActionsUsed = new Map<string, string[]>();
  for (const { file, text } of everything) {
    for (const { pattern, action } of sdkOperationActions) {
      for (const match of text.matchAll(pattern)) {
        const evidence = `${path.relative(repoRoot, file)}: ${match[0].slice(1, -1)}`;
        armActionsUsed.set(action, [...(armActionsUsed.get(action) ?? []), evidence]);
      }
    }
  }

  return { eventGridFunctions, handledEventTypes, settingsRead, armActionsUsed };
}

/**
 * Optional settings: the table under "Optional settings" in `infra/README.md`, `| \`NAME\` | reason |`.
 * A setting the code reads that infra does not set must be listed there, with its reason.
 */
export function parseOptionalSettings(readme: string): Map<string, string> {
  const section = /^#+\s*Optional settings\s*$([\s\S]*?)(?=^#+\s|(?![\s\S]))/m.exec(readme)?.[1] ?? '';
  const optional = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = /^\|\s*`([A-Za-z0-9_]+)`\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (cells?.[1] && cells[2]) optional.set(cells[1], cells[2]);
  }
  return optional;
}
