/**
 * The endpoints file: while `npm start` runs, `.aml-warden/dev/endpoints.json` in the project folder says where its
 * playground actually listens (whatever ports it was given) and which settings it gave the app in place of those in
 * local.settings.json. The CLI's settings, `aml-warden dev token` and people read it; `npm start` removes it when it
 * stops. A file left behind by an `npm start` that ended without stopping (killed) names a process that is gone, and
 * readers treat it as stale.
 *
 * The shape is defined here, beside its reader, because src/ never imports dev/; dev/start.ts writes it with this schema.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Relative to the project folder (where local.settings.json is). */
export const PLAYGROUND_ENDPOINTS_FILE = join('.aml-warden', 'dev', 'endpoints.json');

const url = z.string().refine((value) => URL.canParse(value), { message: 'must be a URL' });

/** A setting `npm start` gave the app instead of what local.settings.json says. */
const movedSettingSchema = z.object({
  /** What the app runs with. */
  value: z.string(),
  /**
   * The SHA-256 (hex) of local.settings.json's value that `npm start` replaced, or null when the file did not set it.
   * A fingerprint, not the value: the file may hold a secret there.
   */
  inPlaceOf: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
});

export const playgroundEndpointsSchema = z.object({
  version: z.literal(1),
  /** The `npm start` process. */
  pid: z.number().int().positive(),
  startedAt: z.string(),
  /** The project folder it runs from. */
  folder: z.string(),
  app: z.object({ url }),
  emulator: z.object({ url, idpUrl: url, caFile: z.string() }),
  azurite: z.object({ tableUrl: url, queueUrl: url, connectionString: z.string(), reused: z.boolean() }),
  /** The policy file the settings name, and the copy of it the app reads (its CD targets on this emulator). */
  policy: z.object({ source: z.string(), effective: z.string() }),
  settings: z.record(z.string(), movedSettingSchema),
});

export type PlaygroundEndpointsFile = z.infer<typeof playgroundEndpointsSchema>;
export type MovedSetting = z.infer<typeof movedSettingSchema>;

/** What the endpoints file of a folder says about a playground. */
export type PlaygroundStatus =
  | { readonly state: 'running'; readonly file: string; readonly endpoints: PlaygroundEndpointsFile }
  /** Written by an `npm start` that is no longer running. */
  | { readonly state: 'stopped'; readonly file: string; readonly pid: number }
  | { readonly state: 'none'; readonly file: string }
  | { readonly state: 'unreadable'; readonly file: string; readonly problem: string };

/** The fingerprint `inPlaceOf` holds. */
export function settingFingerprint(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Whether a process with this id exists (signal 0 only checks; EPERM means it exists under another user). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The playground `npm start` runs from `folder`, as its endpoints file says. Never throws. */
export function readPlaygroundStatus(folder: string, isRunning: (pid: number) => boolean = processIsRunning): PlaygroundStatus {
  const file = join(folder, PLAYGROUND_ENDPOINTS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none', file };
    return { state: 'unreadable', file, problem: 'cannot be read' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { state: 'unreadable', file, problem: 'is not valid JSON' };
  }
  const parsed = playgroundEndpointsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { state: 'unreadable', file, problem: issue === undefined ? 'is not an endpoints file' : `${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  const endpoints = parsed.data;
  return isRunning(endpoints.pid) ? { state: 'running', file, endpoints } : { state: 'stopped', file, pid: endpoints.pid };
}
