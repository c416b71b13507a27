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
  /** When something already listens on the port, use it instead of starting another Azurite. */
  readonly reuseIfListening?: boolean;
  /** Receives Azurite's own output, line by line. */
  readonly log?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

export interface AzuriteHandle {
  /** `http://127.0.0.1:PORT/devstoreaccount1` */
  readonly tableUrl: string;
  /** devstoreaccount1 connection string with `TableEndpoint=`. */
  readonly connectionString: string;
  readonly port: number;
  /** The Azurite process started here; undefined when an already running one was reused. */
  readonly pid: number | undefined;
  readonly reused: boolean;
  close(): Promise<void>;
}

export function tableUrlFor(port: number): string {
  return `http://${LOOPBACK}:${port}/${DEV_STORE_ACCOUNT}`;
}

export function connectionStringFor(port: number): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_STORE_ACCOUNT}`,
    `AccountKey=${DEV_STORE_KEY}`,
    `TableEndpoint=${tableUrlFor(port)};`,
  ].join(';');
}

/** Starts Azurite's Table service in memory on loopback, or reuses one that already listens. */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteHandle> {
  const requested = options.port ?? 0;
  if (requested !== 0 && (await isListening(requested))) {
    if (options.reuseIfListening === true) return reusedHandle(requested);
    throw new Error(`Port ${requested} (Azurite Table service) is already in use on ${LOOPBACK}.`);
  }
  // A free port can be taken between choosing and binding; choosing again is cheap.
  const attempts = requested === 0 ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = requested === 0 ? await findFreePort() : requested;
    try {
      return await spawnAzurite(port, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

function reusedHandle(port: number): AzuriteHandle {
  return {
    tableUrl: tableUrlFor(port),
    connectionString: connectionStringFor(port),
    port,
    pid: undefined,
    reused: true,
    close: async () => {},
  };
}

async function spawnAzurite(port: number, options: StartAzuriteOptions): Promise<AzuriteHandle> {
  const args = [
    azuriteTableEntry(),
    '--inMemoryPersistence',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    // Azurite otherwise reports usage to a remote endpoint; the playground stays on loopback.
    '--disableTelemetry',
    '--tableHost',
    LOOPBACK,
    '--tablePort',
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
      label: 'Azurite',
      abortReason: () => exitReason,
    });
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
  return {
    tableUrl: tableUrlFor(port),
    connectionString: connectionStringFor(port),
    port,
    pid: child.pid,
    reused: false,
    close: async () => stopChild(child, exited),
  };
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

/** The Table service's entry script, from Azurite's own `bin` map (its layout differs between versions). */
function azuriteTableEntry(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('azurite/package.json');
  const manifest: unknown = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const bin = typeof manifest === 'object' && manifest !== null && 'bin' in manifest ? manifest.bin : undefined;
  const entry = typeof bin === 'object' && bin !== null && 'azurite-table' in bin ? bin['azurite-table'] : undefined;
  if (typeof entry !== 'string') throw new Error('azurite is installed without an azurite-table entry; run npm ci');
  return join(dirname(manifestPath), entry);
}
