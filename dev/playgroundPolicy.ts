/**
 * Policies pointed at a running emulator: `policyForEmulator` moves a policy file written for the default playground
 * (`policy/playground.yaml`, whose CD targets name `https://127.0.0.1:7443`) to the emulator actually running, as
 * `npm start` does; the builders below make policies for tests and benchmarks — the playground's Azure DevOps
 * organization (`contoso/mlops`, PAT `ado-pat` from the emulator's Key Vault) as CD targets, and the usual
 * "retrained model → pipeline 1" rule. One place, so a change to the policy's CD shape is made once.
 */
import { isScalar, parseDocument, stringify, visit } from 'yaml';
import { PLAYGROUND } from './emulator/seed.js';
import { DEFAULT_DEV_PORTS, LOOPBACK } from './ports.js';

/** The emulator's address on its default port: what the playground's files name. */
export const DEFAULT_EMULATOR_URL = `https://${LOOPBACK}:${DEFAULT_DEV_PORTS.emulator}`;

/** The default emulator's origin, not followed by another digit of a port. */
const DEFAULT_EMULATOR_ORIGIN = new RegExp(`${DEFAULT_EMULATOR_URL.replaceAll('.', '\\.')}(?![0-9])`, 'g');

/**
 * The policy's text with the default emulator's address in every string value (a CD target's `organizationUrl`,
 * `apiUrl` or `url`) moved to `emulatorUrl`. Only those values change, in place, so the text keeps its comments and
 * its lines: a problem in the copy is on the same line of the source.
 */
export function policyForEmulator(text: string, emulatorUrl: string): string {
  if (emulatorUrl === DEFAULT_EMULATOR_URL) return text;
  const ranges: [number, number][] = [];
  visit(parseDocument(text), {
    Scalar(key, node) {
      // Values (of a map or a sequence), never a map's keys.
      if (key !== 'key' && isScalar(node) && typeof node.value === 'string' && node.range !== undefined && node.range !== null) {
        if (node.value.match(DEFAULT_EMULATOR_ORIGIN) !== null) ranges.push([node.range[0], node.range[1]]);
      }
    },
  });
  let moved = text;
  // From the end, so the earlier ranges stay where they were.
  for (const [start, end] of ranges.sort((a, b) => b[0] - a[0])) {
    moved = `${moved.slice(0, start)}${moved.slice(start, end).replace(DEFAULT_EMULATOR_ORIGIN, emulatorUrl)}${moved.slice(end)}`;
  }
  return moved;
}

/** An Azure DevOps CD target: pipeline `pipelineId` of the emulator's playground project. */
export function emulatorPipelineTarget(emulatorUrl: string, pipelineId: number): Record<string, unknown> {
  return {
    kind: 'azureDevOps',
    organizationUrl: `${emulatorUrl}/ado/contoso`,
    project: 'mlops',
    pipelineId,
    auth: { kind: 'pat', secretName: 'ado-pat' },
  };
}

export interface RetrainedModelsPolicyOptions {
  /** More CD targets next to `model-cd` (pipeline 1). */
  readonly targets?: Readonly<Record<string, unknown>>;
  /** Fields added to the rule (e.g. `modelTags`, `match`). */
  readonly rule?: Readonly<Record<string, unknown>>;
  /** Other top-level sections (`notifications`, `driftRetrain`, ...). */
  readonly sections?: Readonly<Record<string, unknown>>;
}

/** Policy YAML in which a model version trained in a `retrain*` experiment starts pipeline 1 (`model-cd`) on the emulator. */
export function retrainedModelsPolicy(emulatorUrl: string, options: RetrainedModelsPolicyOptions = {}): string {
  return stringify({
    version: 1,
    // Events are acted on only for workspaces the policy governs: the playground's subscription.
    scope: { subscriptions: [PLAYGROUND.subscriptionId] },
    cd: {
      targets: { 'model-cd': emulatorPipelineTarget(emulatorUrl, 1), ...options.targets },
      rules: [{ name: 'retrained-models', target: 'model-cd', experiments: ['retrain*'], ...options.rule }],
    },
    ...options.sections,
  });
}
