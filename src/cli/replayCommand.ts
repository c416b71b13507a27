/**
 * `aml-warden replay <event-file> [--dry-run]`: runs the events in a file (an Event Grid or CloudEvents delivery:
 * one event or an array) through the same use cases as the functions, with the configured policy; `--dry-run`
 * prints each decision and acts on nothing. Exit 1 when an event failed.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { App } from '../composition.js';
import type { DomainEventKind } from '../events/domainEvent.js';
import { ensureError } from '../errors.js';
import { EXIT, EnvironmentError } from './exitCodes.js';

export interface ReplayIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

/** The kinds whose use cases honour a dry run (or act on nothing); any other kind is reported, not run, in a dry run. */
const DRY_RUN_KINDS: ReadonlySet<DomainEventKind> = new Set([
  'ModelRegistered',
  'RunStatusChanged',
  'RunCompleted',
  'ModelDeployed',
  'DatasetDriftDetected',
  'ResourceWriteSuccess',
  'SubscriptionValidation',
  'Unknown',
]);

export async function replay(file: string, dryRun: boolean, io: ReplayIo, loadApp: () => Promise<App>): Promise<number> {

  const path = resolve(io.cwd, file);
  let body: unknown;
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new EnvironmentError(`cannot read events from ${path}: ${ensureError(error).message}`);
  }
  const [{ parseDelivery }, { routeEvent }, { escapeUnsafe, forLog, plainLog }] = await Promise.all([import('../events/parseDelivery.js'), import('../eventIntake/routeEvent.js'), import('../shared/log.js')]);
  const events = parseDelivery(body);
  const app = await loadApp();
  const log = plainLog(quietLog(io));
  let failures = 0;
  for (const event of events) {
    // The file's strings go to a terminal: escaped, so a control sequence in a subject cannot rewrite the screen.
    const label = `${forLog(event.id)} ${event.kind} ${forLog(event.subject)}`;
    if (dryRun && !DRY_RUN_KINDS.has(event.kind)) {
      io.stdout(`${label}: not replayed in a dry run (its use case has no dry run)\n`);
      continue;
    }
    try {
      const outcome = await routeEvent(event, async () => app, log, { dryRun });
      io.stdout(`${label}: ${escapeUnsafe(outcome.reason)}\n`);
    } catch (error) {
      failures += 1;
      io.stdout(`${label}: failed: ${escapeUnsafe(ensureError(error).message)}\n`);
    }
  }
  await app.telemetry.flush();
  return failures === 0 ? EXIT.ok : EXIT.findings;
}

/** Use cases log as they go; the command prints one line per decision, so only warnings and errors are shown. */
function quietLog(io: Pick<ReplayIo, 'stderr'>): { info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void } {
  const write = (level: string, args: unknown[]) => io.stderr(`${level}: ${String(args[0])}\n`);
  return { info: () => {}, warn: (...args) => write('warning', args), error: (...args) => write('error', args) };
}
