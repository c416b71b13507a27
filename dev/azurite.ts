import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { onEachLine } from './outputLines.js';
import { LOOPBACK, findFreePort, isListening, waitForListening } from './ports.js';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const DEV_STORE_ACCOUNT = 'devstoreaccount1';
export const DEV_STORE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface StartAzuriteOptions {
  /** Table service port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Queue service port; 0 (the default) picks a free one. */
  readonly queuePort?: number;
  /** When something already listens on the port, use it instead of starting another Azurite. */
  readonly reuseIfListening?: boolean;
  /** Receives Azurite's own output, line by line. */
  readonly log?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

export interface AzuriteHandle {
  /** `http://127.0.0.1:PORT/devstoreaccount1` */
  readonly tableUrl: string;
  /** `http://127.0.0.1:QUEUE_PORT/devstoreaccount1` */
  readonly queueUrl: string;
  /** devstoreaccount1 connection string with `TableEndpoint=` and `QueueEndpoint=`. */
  readonly connectionString: string;
  /** The Table service's port. */
  readonly port: number;
  readonly queuePort: number;
  /** The Azurite process started here; undefined when an already running one was reused. */
  readonly pid: number | undefined;
  readonly reused: boolean;
  close(): Promise<void>;
}

export function tableUrlFor(port: number): string {
  return `http://${LOOPBACK}:${port}/${DEV_STORE_ACCOUNT}`;
}

export function queueUrlFor(port: number): string {
  return `http://${LOOPBACK}:${port}/${DEV_STORE_ACCOUNT}`;
}

export function connectionStringFor(port: number, queuePort: number): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_STORE_ACCOUNT}`,
    `AccountKey=${DEV_STORE_KEY}`,
    `TableEndpoint=${tableUrlFor(port)}`,
    `QueueEndpoint=${queueUrlFor(queuePort)};`,
  ].join(';');
}

type AzuriteService = 'table' | 'queue';

interface ServiceHandle {
  readonly port: number;
  readonly pid: number | undefined;
  readonly reused: boolean;
  close(): Promise<void>;
}

/**
 * Starts Azurite's Table and Queue services in memory on loopback (one process each, as Azurite's own
 * `azurite-table` and `azurite-queue` commands do), or reuses ones that already listen.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteHandle> {
  const table = await startService('table', options.port ?? 0, options);
  let queue: ServiceHandle;
  try {
    queue = await startService('queue', options.queuePort ?? 0, options);
  } catch (error) {
    await table.close();
    throw error;
  }
  return {
    tableUrl: tableUrlFor(table.port),
    queueUrl: queueUrlFor(queue.port),
    connectionString: connectionStringFor(table.port, queue.port),
    port: table.port,
    queuePort: queue.port,
    pid: table.pid,
    reused: table.reused,
    close: async () => {
      await Promise.all([table.close(), queue.close()]);
    },
  };
}

async function startService(service: AzuriteService, requested: number, options: StartAzuriteOptions): Promise<ServiceHandle> {
  if (requested !== 0 && (await isListening(requested))) {
    if (options.reuseIfListening === true) return { port: requested, pid: undefined, reused: true, close: async () => {} };
    throw new Error(`Port ${requested} (Azurite ${service === 'table' ? 'Table' : 'Queue'} service) is already in use on ${LOOPBACK}.`);
  }
  // A free port can be taken between choosing and binding; choosing again is cheap.
  const attempts = requested === 0 ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = requested === 0 ? await findFreePort() : requested;
    try {
      return await spawnAzurite(service, port, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function spawnAzurite(service: AzuriteService, port: number, options: StartAzuriteOptions): Promise<ServiceHandle> {
  const args = [
    azuriteEntry(service),
    '--inMemoryPersistence',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    // Azurite otherwise reports usage to a remote endpoint; the playground stays on loopback.
    '--disableTelemetry',
    `--${service}Host`,
    LOOPBACK,
    `--${service}Port`,
    String(port),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const stopOnParentExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', stopOnParentExit);

  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = `exited with ${signal ?? `code ${String(code)}`}`;
      process.removeListener('exit', stopOnParentExit);
      resolve();
    });
  });
  child.once('error', (error) => {
    exitReason = error.message;
  });
  forwardLines(child, options.log);

  try {
    await waitForListening(port, {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      label: `Azurite (${service})`,
      abortReason: () => exitReason,
    });
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
  return { port, pid: child.pid, reused: false, close: async () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function forwardLines(child: ChildProcess, log: ((line: string) => void) | undefined): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    if (log === undefined) stream.resume();
    else onEachLine(stream, (line) => {
      if (line.length > 0) log(line);
    });
  }
}

/** A service's entry script, from Azurite's own `bin` map (its layout differs between versions). */
function azuriteEntry(service: AzuriteService): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('azurite/package.json');
  const manifest: unknown = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const bin = typeof manifest === 'object' && manifest !== null && 'bin' in manifest ? manifest.bin : undefined;
  const command = `azurite-${service}`;
  const entry: unknown = typeof bin === 'object' && bin !== null ? Reflect.get(bin, command) : undefined;
  if (typeof entry !== 'string') throw new Error(`azurite is installed without an ${command} entry; run npm ci`);
  return join(dirname(manifestPath), entry);
}
