import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliEnvironment } from '../../src/cli/localSettings.js';
import { AppError } from '../../src/errors.js';

let cwd: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'aml-warden-local-settings-'));
});

afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

const writeSettings = (text: string) => writeFileSync(join(cwd, 'local.settings.json'), text);

describe('the CLI environment: the process environment plus local.settings.json Values', () => {
  it('fills what the environment leaves unset from the file, and the environment wins where it sets a value', () => {
    writeSettings(JSON.stringify({ IsEncrypted: false, Values: { AML_WARDEN_POLICY: 'policy/playground.yaml', AML_WARDEN_TABLE_PREFIX: 'fromfile', AML_WARDEN_SECRET_TTL_SECONDS: 60, AML_WARDEN_STUDIO_URL: 'https://studio.example' } }));
    const result = cliEnvironment({ AML_WARDEN_TABLE_PREFIX: 'fromenv', AML_WARDEN_STUDIO_URL: '  ', PATH: '/usr/bin' }, cwd);
    expect(result.settingsFile).toBe(join(cwd, 'local.settings.json'));
    expect(result.env).toMatchObject({
      AML_WARDEN_POLICY: 'policy/playground.yaml',
      AML_WARDEN_TABLE_PREFIX: 'fromenv',
      AML_WARDEN_SECRET_TTL_SECONDS: '60',
      // Blank counts as unset, as it does for the app's own configuration.
      AML_WARDEN_STUDIO_URL: 'https://studio.example',
      PATH: '/usr/bin',
    });
    expect([...result.fromFile].sort()).toEqual(['AML_WARDEN_POLICY', 'AML_WARDEN_SECRET_TTL_SECONDS', 'AML_WARDEN_STUDIO_URL']);
  });

  it('is the environment alone when the folder has no local.settings.json', () => {
    const env = { AML_WARDEN_POLICY: 'x.yaml' };
    const result = cliEnvironment(env, cwd);
    expect(result).toMatchObject({ env, settingsFile: undefined, fromFile: [] });
    expect(result.provenance.sources).toEqual({ AML_WARDEN_POLICY: { kind: 'environment' } });
    expect(result.provenance.playground).toEqual({ state: 'none', file: join(cwd, '.aml-warden', 'dev', 'endpoints.json') });
  });

  it('refuses malformed JSON naming the file and the line, without quoting its contents', () => {
    writeSettings('{\n  "Values": {\n    "AML_WARDEN_STATE_CONNECTION_STRING": "AccountKey=s3cr3t-value"\n    "X": "y"\n  }\n}');
    let caught: unknown;
    try {
      cliEnvironment({}, cwd);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    const error = caught as AppError;
    expect(error.code).toBe('ConfigurationError');
    expect(error.message).toContain(join(cwd, 'local.settings.json'));
    expect(error.message).toContain('is not valid JSON (line 4');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('refuses Values that are not a map of strings, and an encrypted file', () => {
    writeSettings(JSON.stringify({ Values: { AML_WARDEN_POLICY: { nested: true } } }));
    expect(() => cliEnvironment({}, cwd)).toThrow(/local\.settings\.json Values\.AML_WARDEN_POLICY: /);
    writeSettings('[]');
    expect(() => cliEnvironment({}, cwd)).toThrow(/local\.settings\.json must be a JSON object/);
    writeSettings(JSON.stringify({ IsEncrypted: true, Values: { AML_WARDEN_POLICY: 'x' } }));
    expect(() => cliEnvironment({}, cwd)).toThrow(/local\.settings\.json is encrypted/);
  });
});
