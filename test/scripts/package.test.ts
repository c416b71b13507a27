import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredFunctions } from '../../bench/functionsCoreStub.mjs';
import { LAZY_PACKAGES, buildPackage, type PackageResult } from '../../scripts/package.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const root = repositoryRoot;
const stub = join(root, 'bench', 'functionsCoreStub.mjs');

/** Entry names and contents of a zip, read from its central directory (stored or deflated entries). */
function readZip(zip: Buffer): Map<string, Buffer> {
  const endOfDirectory = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOfDirectory < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(endOfDirectory + 10);
  let offset = zip.readUInt32LE(endOfDirectory + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function runNode(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { cwd: tmpdir(), env: { ...process.env, NODE_OPTIONS: '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run package', () => {
  let folder: string;
  let result: PackageResult;
  let zip: Map<string, Buffer>;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'aml-warden-package-'));
    result = await buildPackage({ root, outDir: join(folder, 'package'), zipFile: join(folder, 'aml-warden.zip') });
    zip = readZip(await readFile(result.zipFile));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('zips host.json, package.json, main.js, its chunks, the shipped policy and the built console — nothing else, no source maps', () => {
    const names = [...zip.keys()];
    expect(names).toEqual(expect.arrayContaining(['host.json', 'package.json', 'main.js', 'policy/default.yaml', 'policy/schema.json', 'console/index.html', 'console/assets.json']));
    const unexpected = names.filter(
      (name) => !/^(host\.json|package\.json|main\.js|chunk-[A-Z0-9]+\.js|policy\/(default\.yaml|schema\.json)|console\/(index\.html|assets\.json|app-[A-Z0-9]+\.(js|css|js\.LEGAL\.txt)))$/.test(name),
    );
    expect(unexpected).toEqual([]);
    expect(names.some((name) => name.includes('node_modules') || name.endsWith('.ts') || name.includes('local.settings') || name.startsWith('dev/'))).toBe(false);
    expect(names.sort()).toEqual([...result.files].sort());
  });

  it('keeps the source maps next to the bundle for local debugging', () => {
    expect(result.sourceMaps).toContain('main.js.map');
    expect(result.sourceMaps.every((file) => existsSync(join(result.outDir, file)) && !zip.has(file))).toBe(true);
  });

  it('ships a package.json that runs main.js as ESM and declares no dependencies', () => {
    const manifest: unknown = JSON.parse(zip.get('package.json')?.toString('utf8') ?? '{}');
    expect(manifest).toMatchObject({ name: 'aml-warden', type: 'module', main: 'main.js' });
    expect(manifest).not.toHaveProperty('dependencies');
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).not.toHaveProperty('scripts');
  });

  it('ships host.json and the default policy as they are in the repository', async () => {
    expect(zip.get('host.json')?.toString('utf8')).toBe(await readFile(join(root, 'host.json'), 'utf8'));
    expect(zip.get('policy/default.yaml')?.toString('utf8')).toBe(await readFile(join(root, 'policy', 'default.yaml'), 'utf8'));
  });

  it('keeps the heavy SDKs out of what main.js loads at start', () => {
    expect(result.packagesLoadedAtStart).toContain('@azure/functions');
    expect(result.packagesLoadedAtStart.filter((name) => (LAZY_PACKAGES as readonly string[]).includes(name))).toEqual([]);
    expect(result.files.filter((file) => /^chunk-.*\.js$/.test(file)).length).toBeGreaterThan(0);
  });

  it('registers the same functions from the bundled main.js in a fresh process as the source does', async () => {
    const report = join(folder, 'registered.json');
    const run = runNode(['--import', stub, join(result.outDir, 'main.js')], { AML_WARDEN_CORE_STUB_REPORT: report });
    expect(run.status, run.stderr).toBe(0);
    const bundled = (JSON.parse(await readFile(report, 'utf8')) as { name: string }[]).map((entry) => entry.name).sort();

    await import('../../src/index.js');
    const fromSource = registeredFunctions().map((entry) => entry.name).sort();

    expect(fromSource.length).toBeGreaterThan(0);
    expect(bundled).toEqual(fromSource);
  });

  it('loads every lazily imported chunk in a fresh process (bundled CommonJS finds require and __dirname)', async () => {
    const chunks = (await readdir(result.outDir)).filter((file) => /^chunk-.*\.js$/.test(file));
    const script = [
      `const urls = ${JSON.stringify(chunks.map((chunk) => pathToFileURL(join(result.outDir, chunk)).href))};`,
      'for (const url of urls) await import(url);',
      'console.log(urls.length);',
    ].join('\n');
    const run = runNode(['--import', stub, '--input-type=module', '-e', script]);
    expect(run.status, run.stderr).toBe(0);
    expect(Number(run.stdout.trim())).toBe(chunks.length);
  });
});
