/**
 * The console's start: read how to sign in (`config.json`, beside the page), finish a sign-in that is coming back from
 * the authority, then show the page the address names.
 */
import { render } from 'preact';
import { App } from './App.js';
import { createApi } from './api.js';
import { startSession } from './auth.js';
import { ErrorNotice } from './components/common.js';
import { consoleConfigSchema, errorBodySchema } from './schemas.js';
import './app.css';

async function readConfig() {
  const response = await fetch(new URL('config.json', document.baseURI), { headers: { accept: 'application/json' } });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const problem = errorBodySchema.safeParse(body);
    throw new Error(problem.success ? problem.data.error.message : `config.json answered ${response.status}`);
  }
  const parsed = consoleConfigSchema.safeParse(body);
  if (!parsed.success) throw new Error('config.json does not say how to sign in');
  return parsed.data;
}

async function start(root: HTMLElement): Promise<void> {
  try {
    const config = await readConfig();
    const session = await startSession(config);
    render(<App context={{ session, user: session.user, api: createApi(session) }} />, root);
  } catch (error) {
    render(
      <main id="main">
        <h1>The console cannot start</h1>
        <ErrorNotice error={error} />
      </main>,
      root,
    );
  }
}

const root = document.getElementById('app');
if (root !== null) {
  root.replaceChildren();
  void start(root);
}
