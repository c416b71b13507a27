/**
 * The CLI's settings, found as Azure Functions Core Tools finds them: the environment, and for every setting it
 * leaves unset, the `Values` of `local.settings.json` in the current folder. Only supplies an environment;
 * `config.ts` still validates it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.js';

export const LOCAL_SETTINGS_FILE = 'local.settings.json';

export interface CliEnvironment {
  /** What `loadConfig` reads. */
  readonly env: NodeJS.ProcessEnv;
  /** The local.settings.json that was read, absolute; undefined when the folder has none. */
  readonly settingsFile: string | undefined;
  /** Names taken from the file (set there, not in the environment). */
  readonly fromFile: readonly string[];
}

const localSettingsSchema = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
});

/** The environment merged with `<cwd>/local.settings.json` `Values`; a variable the environment sets (non-empty) wins. */
export function cliEnvironment(processEnv: NodeJS.ProcessEnv, cwd: string): CliEnvironment {
  const file = join(cwd, LOCAL_SETTINGS_FILE);
  const values = readLocalSettingsValues(file);
  if (values === undefined) return { env: processEnv, settingsFile: undefined, fromFile: [] };
  const env: NodeJS.ProcessEnv = { ...processEnv };
  const fromFile: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if ((processEnv[name] ?? '').trim() !== '') continue;
    env[name] = value;
    fromFile.push(name);
  }
  return { env, settingsFile: file, fromFile };
}

/** The file's `Values`, or undefined when there is no such file. Never echoes the file's text: it holds secrets. */
export function readLocalSettingsValues(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalidFile(file, 'cannot be read');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message may quote the text; report only where it broke.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw invalidFile(file, `is not valid JSON${position === undefined ? '' : ` (${lineAndColumn(text, Number(position))})`}`);
  }
  const parsed = localSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidFile(file, `${issue === undefined || issue.path.length === 0 ? 'must be a JSON object' : `${issue.path.join('.')}: ${issue.message}`}`);
  }
  if (parsed.data.IsEncrypted === true) throw invalidFile(file, 'is encrypted (IsEncrypted: true); the CLI reads only plain Values');
  return parsed.data.Values ?? {};
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function invalidFile(file: string, problem: string): AppError {
  return new AppError('ConfigurationError', `${file} ${problem}`, { target: LOCAL_SETTINGS_FILE, module: 'cli' });
}
