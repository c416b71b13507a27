import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinNegativeValues, runDevCli } from '../../../dev/cli.js';
import { createEmulatorCertificate } from '../../../dev/emulator/tls.js';
import { findFreePort } from '../../../dev/ports.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'aml-warden-cli-unit-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDevCli(argv, { stdout: (text) => out.push(text), stderr: (text) => err.push(text), cwd: directory });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('aml-warden dev', () => {
  it('dev token without --user fails with usage on stderr and nothing on stdout', async () => {
    const result = await run(['dev', 'token', '--role', 'ComputeApprover']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--user is required');
    expect(result.stderr).toContain('usage: aml-warden dev token');
  });

  it('rejects unknown options and unknown commands', async () => {
    expect((await run(['token', '--user', 'a@contoso.com', '--insecure'])).stderr).toContain("Unknown option '--insecure'");
    const unknown = await run(['dev', 'deploy']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'dev deploy'");
  });

  it('refuses a non-https identity provider and a non-numeric lifetime', async () => {
    expect((await run(['token', '--user', 'a@contoso.com', '--idp', 'http://127.0.0.1:7443/idp'])).stderr).toContain('--idp must be an https URL');
    expect((await run(['token', '--user', 'a@contoso.com', '--expires-in', 'soon'])).stderr).toContain('--expires-in');
  });

  it('reads a negative --expires-in / --not-before as the value, not as an option', async () => {
    expect(joinNegativeValues(['--user', 'a', '--expires-in', '-120', '--not-before', '-5', '--role', 'R'])).toEqual(['--user', 'a', '--expires-in=-120', '--not-before=-5', '--role', 'R']);
    expect(joinNegativeValues(['--expires-in', '300', '--user', '-1'])).toEqual(['--expires-in', '300', '--user', '-1']);
    // Parsing gets past the numbers to the next problem: the missing CA file, not "argument is ambiguous".
    const result = await run(['token', '--user', 'a@contoso.com', '--expires-in', '-120', '--not-before', '-60']);
    expect(result.stderr).not.toContain('ambiguous');
    expect(result.stderr).toContain('emulator-ca.pem');
    expect((await run(['token', '--user', 'a@contoso.com', '--not-before', 'later'])).stderr).toContain('--not-before must be a whole number of seconds');
  });

  it('says in its help that a negative --expires-in makes an expired token', async () => {
    expect((await run(['help'])).stdout).toMatch(/--expires-in\s+lifetime from now; a negative value makes a token that has already expired/);
  });

  it('explains where the missing CA file was expected', async () => {
    const result = await run(['token', '--user', 'a@contoso.com', '--role', 'ComputeRequester']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(path.join(directory, '.aml-warden', 'dev', 'emulator-ca.pem'));
    expect(result.stdout).toBe('');
  });

  it('names the identity provider, its address and the option it came from when nothing listens there', async () => {
    // Free now, and nothing here listens on it: the connection is refused.
    const port = await findFreePort();
    const ca = path.join(directory, 'some-ca.pem');
    await writeFile(ca, createEmulatorCertificate().cert);
    const result = await run(['token', '--user', 'a@contoso.com', '--idp', `https://127.0.0.1:${port}/idp`, '--ca', ca]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`Cannot reach the emulator's identity provider at https://127.0.0.1:${port}/idp: the connection was refused`);
    expect(result.stderr).toContain('--idp comes from the option --idp.');
    expect(result.stderr).toContain(`No playground is running from ${directory}: start it with \`npm start\``);
  });

  it('prints help with exit code 0', async () => {
    const result = await run(['dev', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('aml-warden dev token');
  });
});
