import { createConnection, createServer } from 'node:net';

/** Loopback only: the local playground never listens on or talks to another address. */
export const LOOPBACK = '127.0.0.1';

/** The playground's ports; `npm start` uses the defaults unless the environment overrides them. */
export interface DevPorts {
  /** The Functions app (Core Tools or the offline host). */
  readonly app: number;
  /** The emulator (ARM, Azure DevOps, GitHub, sinks, identity provider, Key Vault). */
  readonly emulator: number;
  /** Azurite's Table service. */
  readonly azurite: number;
  /** Azurite's Queue service. */
  readonly azuriteQueue: number;
}

/** Azurite's own defaults for its Table and Queue services. */
export const DEFAULT_DEV_PORTS: DevPorts = { app: 7071, emulator: 7443, azurite: 10002, azuriteQueue: 10001 };

/** Environment variables that override the playground's ports. */
export const DEV_PORT_SETTINGS = {
  app: 'AML_WARDEN_DEV_PORT',
  emulator: 'AML_WARDEN_DEV_EMULATOR_PORT',
  azurite: 'AML_WARDEN_DEV_AZURITE_PORT',
  azuriteQueue: 'AML_WARDEN_DEV_AZURITE_QUEUE_PORT',
} as const satisfies Record<keyof DevPorts, string>;

/** Reads the port overrides; a value that is not a port fails naming its variable. */
export function readDevPorts(env: Readonly<Record<string, string | undefined>> = process.env): DevPorts {
  const read = (key: keyof DevPorts): number => {
    const name = DEV_PORT_SETTINGS[key];
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return DEFAULT_DEV_PORTS[key];
    const port = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${name} must be a TCP port between 1 and 65535 (got '${raw}')`);
    }
    return port;
  };
  return { app: read('app'), emulator: read('emulator'), azurite: read('azurite'), azuriteQueue: read('azuriteQueue') };
}

/** Asks the OS for a port that is free right now on loopback. */
export async function findFreePort(host: string = LOOPBACK): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export async function isListening(port: number, host: string = LOOPBACK, timeoutMs = 1_000): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host });
    const finish = (listening: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export interface WaitForListeningOptions {
  readonly host?: string;
  readonly timeoutMs?: number;
  /** What is being waited for, for the error message. */
  readonly label?: string;
  /** Gives up early when this returns a reason (e.g. the process that should listen has exited). */
  readonly abortReason?: () => string | undefined;
}

/** Polls until host:port accepts connections. */
export async function waitForListening(port: number, options: WaitForListeningOptions = {}): Promise<void> {
  const host = options.host ?? LOOPBACK;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const label = options.label ?? `${host}:${port}`;
  for (;;) {
    const reason = options.abortReason?.();
    if (reason !== undefined) throw new Error(`${label} did not start: ${reason}`);
    if (await isListening(port, host, 500)) return;
    if (Date.now() > deadline) throw new Error(`${label} did not accept connections on ${host}:${port} in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Fails with a message naming the port, what wanted it and how to choose another. */
export async function ensurePortFree(port: number, label: string, setting?: string): Promise<void> {
  if (!(await isListening(port))) return;
  const hint = setting === undefined ? '' : ` Stop whatever is using it, or choose another port with ${setting}=<port>.`;
  throw new Error(`Port ${port} (${label}) is already in use on ${LOOPBACK}.${hint}`);
}
