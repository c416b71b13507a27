/**
 * console — the web console at `/api/console/` (and its sign-in settings at `/api/console/config.json`), served by
 * `http/consoleController.ts` from the files `npm run build` writes. Anonymous: the page is public, the API it calls
 * checks each caller's token. Its modules load on the first request, as every function's do (cold start).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { ConsoleSettings } from '../config.js';
import type { ConsoleAssets } from '../http/consoleAssets.js';
import type { AppHttpHandler } from '../http/httpHandler.js';

let loaded: Promise<ConsoleAssets> | undefined;

/** The built files, read once; a missing build is looked for again next time (a build may land while the app runs locally). */
async function consoleAssets(): Promise<ConsoleAssets | undefined> {
  if (loaded === undefined) {
    const { findConsoleFolder, readConsoleAssets } = await import('../http/consoleAssets.js');
    const folder = findConsoleFolder();
    if (folder === undefined) return undefined;
    loaded = readConsoleAssets(folder);
    loaded.catch(() => {
      loaded = undefined;
    });
  }
  return loaded;
}

let settings: { readonly value: ConsoleSettings | undefined } | undefined;

async function consoleSettings(): Promise<ConsoleSettings | undefined> {
  // Settings do not change while the process runs; an invalid one throws each time, naming it.
  if (settings === undefined) {
    const { loadSettings } = await import('../config.js');
    settings = { value: loadSettings().console };
  }
  return settings.value;
}

let handler: Promise<AppHttpHandler> | undefined;

export async function consoleHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  handler ??= import('../http/consoleController.js').then(({ createConsoleHandler }) => createConsoleHandler({ assets: consoleAssets, settings: consoleSettings }));
  return (await handler)(request, context);
}

app.http('console', { route: 'console/{*path}', methods: ['GET', 'HEAD'], authLevel: 'anonymous', handler: consoleHandler });
