/**
 * The README's walkthroughs, run as written — only the ports changed — against `npm start` on ports other than the
 * defaults: the playground policy's CD targets, the `aml-warden` command's settings and `aml-warden dev token` must
 * all find the playground where it actually runs, with nothing exported and local.settings.json as created.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEV_PORTS } from '../../dev/ports.js';
import { startPlayground, type Playground } from '../../dev/start.js';
import { createPlaygroundCopy, type PlaygroundCopy } from '../helpers/playgroundCopy.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

/** The first ```sh block after `marker` in README.md. */
function shellBlockAfter(readme: string, marker: string): string {
  const at = readme.indexOf(marker);
  if (at === -1) throw new Error(`README.md has no '${marker}'`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  if (block === undefined) throw new Error(`README.md has no sh block after '${marker}'`);
  return block;
}

/** The walkthroughs, in the README's order, each under its heading. */
const WALKTHROUGHS = [
  '### Try it',
  'The walkthroughs below run from the project folder',
  '#### Model CD: a retrained model version starts the CD pipeline, once',
  '#### Policy: a non-compliant cluster, fixed with one update',
  '#### Compute on approval',
  '#### The CLI',
] as const;

let copy: PlaygroundCopy | undefined;
let playground: Playground | undefined;
/** Each walkthrough's output, by its heading. */
const outputs = new Map<string, string>();
let stderr = '';

beforeAll(async () => {
  copy = await createPlaygroundCopy('readme-ports-');
  // Free ports chosen by the system: never the defaults, never fixed ones.
  playground = await startPlayground({ cwd: copy.folder, distDir: copy.distDir, appPort: 0, emulatorPort: 0, azuritePort: 0, azuriteQueuePort: 0, runner: 'host', log: () => {} });
  const appPort = new URL(playground.appUrl).port;
  const emulatorPort = new URL(playground.emulatorUrl).port;
  expect([appPort, emulatorPort]).not.toContain(String(DEFAULT_DEV_PORTS.app));
  expect([appPort, emulatorPort]).not.toContain(String(DEFAULT_DEV_PORTS.emulator));

  const readme = await readFile(join(repositoryRoot, 'README.md'), 'utf8');
  const onOtherPorts = (text: string): string =>
    text.replaceAll(`127.0.0.1:${DEFAULT_DEV_PORTS.app}`, `127.0.0.1:${appPort}`).replaceAll(`127.0.0.1:${DEFAULT_DEV_PORTS.emulator}`, `127.0.0.1:${emulatorPort}`);
  const script = [
    // `npx aml-warden` in the project folder runs its bin; the copy has no package.json, so the bin is called directly.
    `npx() { if [ "$1" = aml-warden ]; then shift; node ${JSON.stringify(join(copy.folder, 'bin', 'aml-warden.js'))} "$@"; else return 127; fi; }`,
    ...WALKTHROUGHS.flatMap((heading) => [`echo ${JSON.stringify(`=== ${heading}`)}`, onOtherPorts(shellBlockAfter(readme, heading))]),
  ].join('\n');
  // A fresh shell: nothing of aml-warden exported. Asynchronously: the emulator runs in this process.
  const shellEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AML_WARDEN_')));
  const result = await promisify(execFile)('bash', ['-c', script], { cwd: copy.folder, env: shellEnv, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
  stderr = result.stderr;
  let heading = '';
  for (const line of result.stdout.split('\n')) {
    if (line.startsWith('=== ')) heading = line.slice(4);
    else outputs.set(heading, `${outputs.get(heading) ?? ''}${line}\n`);
  }
}, 300_000);

afterAll(async () => {
  await playground?.stop();
  await copy?.remove();
});

describe('the README walkthroughs against npm start on other ports', () => {
  it('"Try it": health, the Operator summary with a token from dev token, an Event Grid delivery and the handshake', () => {
    const output = outputs.get('### Try it') ?? '';
    expect(output).toContain('"status":"ok"');
    expect(output).toMatch(/HTTP\/1\.1 200/);
    expect(output).toContain('"validationResponse":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"');
    // The model monitor's alert starts the retrain pipeline.
    expect(output).toContain('"monitor":"churn-monitor","outcome":"started","target":"retrain"');
  });

  it('model CD: the retrained model version starts pipeline 1 on the emulator actually running, once', () => {
    const output = outputs.get('#### Model CD: a retrained model version starts the CD pipeline, once') ?? '';
    const counts = [...output.matchAll(/"count":\s*(\d+)/g)].map((match) => match[1]);
    expect(counts).toEqual(['1', '1']);
    expect(output).toContain('"modelName":"credit-default"');
  });

  it('policy: the non-compliant cluster is fixed with one update', () => {
    const output = outputs.get('#### Policy: a non-compliant cluster, fixed with one update') ?? '';
    expect(output).toContain('"minNodeCount":0');
    expect(output).toContain('"idleTimeBeforeShutdown":"PT60M"');
  });

  it('compute on approval: tokens from dev token with no --idp, the request provisioned', () => {
    const output = outputs.get('#### Compute on approval') ?? '';
    expect(output).toContain('"status":"Succeeded"');
  });

  it('the CLI: sweep, what-if and replay read local.settings.json as created and reach the running playground', () => {
    const output = outputs.get('#### The CLI') ?? '';
    expect(stderr).not.toMatch(/ECONNREFUSED|Cannot reach/);
    // The sweep, planned by the command and worked by the app through Azurite's queues.
    expect(stderr).toContain('11111111-1111-1111-1111-111111111111: done, 1/1 workspace(s) swept');
    expect(output, stderr).toContain('gpu-cluster');
    // The CD target of the policy the command read is the emulator's, where the CD run started: run 2, after the
    // retraining run the model monitor's alert started in "Try it".
    expect(output, stderr).toMatch(/would start nothing for model credit-default:1 on 'model-cd': already started \(run 2\)/);
  });
});
