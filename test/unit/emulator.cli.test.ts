import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDevCli } from '../../dev/cli.js';

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

  it('explains where the missing CA file was expected', async () => {
    const result = await run(['token', '--user', 'a@contoso.com', '--role', 'ComputeRequester']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(path.join(directory, '.aml-warden', 'dev', 'emulator-ca.pem'));
    expect(result.stdout).toBe('');
  });

  it('prints help with exit code 0', async () => {
    const result = await run(['dev', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('aml-warden dev token');
  });
});
