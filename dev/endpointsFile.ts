/**
 * Writes and removes the endpoints file (`.aml-warden/dev/endpoints.json`, its shape in src/cli/playgroundEndpoints.ts):
 * where the running playground listens, for the CLI, `aml-warden dev token` and people.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PLAYGROUND_ENDPOINTS_FILE,
  playgroundEndpointsSchema,
  readPlaygroundStatus,
  settingFingerprint,
  type MovedSetting,
  type PlaygroundEndpointsFile,
} from '../src/cli/playgroundEndpoints.js';

/** Settings whose value is not the app's (Node.js reads it), left out of the file. */
const NOT_APP_SETTINGS = new Set(['NODE_EXTRA_CA_CERTS']);

/**
 * The settings the app runs with that differ from what local.settings.json (and the shell) gave `npm start`, each with
 * the fingerprint of the file's own value it stands in for (null when the file has none).
 */
export function movedSettings(
  fileValues: Readonly<Record<string, string>>,
  given: Readonly<Record<string, string>>,
  appEnv: Readonly<Record<string, string>>,
): Record<string, MovedSetting> {
  const moved: Record<string, MovedSetting> = {};
  for (const [name, value] of Object.entries(appEnv)) {
    if (NOT_APP_SETTINGS.has(name) || given[name] === value) continue;
    const fileValue = fileValues[name];
    moved[name] = { value, inPlaceOf: fileValue === undefined ? null : settingFingerprint(fileValue) };
  }
  return moved;
}

/** Another `npm start` still running from `folder`, by its pid; undefined when none (a file left by one that ended is stale). */
export function runningPlaygroundIn(folder: string): PlaygroundEndpointsFile | undefined {
  const status = readPlaygroundStatus(folder);
  return status.state === 'running' ? status.endpoints : undefined;
}

/** Writes the file whole (a reader never sees half of it) and returns its path. */
export function writeEndpointsFile(folder: string, endpoints: PlaygroundEndpointsFile): string {
  const file = join(folder, PLAYGROUND_ENDPOINTS_FILE);
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(playgroundEndpointsSchema.parse(endpoints), null, 2)}\n`);
  renameSync(partial, file);
  return file;
}

/** Removes the file if it is still the one this process wrote. */
export function removeEndpointsFile(folder: string, startedAt: string): void {
  const status = readPlaygroundStatus(folder, () => true);
  if (status.state === 'running' && status.endpoints.pid === process.pid && status.endpoints.startedAt === startedAt) {
    rmSync(status.file, { force: true });
  }
}
