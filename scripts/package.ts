/**
 * `npm run package`: the deployable Functions app as one zip — `main.js` and its lazily loaded chunks (every
 * dependency bundled), `host.json`, a `package.json` without dependencies, the default policy, and the web console's
 * built files in `console/` (served by the `console` function). Source maps
 * stay in the output folder for local debugging; the zip leaves them out (they would be most of its size).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import yazl from 'yazl';
import { z } from 'zod';
import { buildConsole, describeConsoleBundle, type ConsoleBuildResult } from './buildConsole.js';
import { findProjectRoot } from './projectRoot.js';

/** Loaded only on first use by the app; they must not be reachable from `main.js` through static imports. */
export const LAZY_PACKAGES = [
  '@azure/arm-machinelearning',
  '@azure/identity',
  '@azure/data-tables',
  '@azure/storage-queue',
  '@azure/keyvault-secrets',
  'applicationinsights',
  '@azure/eventgrid',
] as const;

/** Files of `policy/` shipped with the app: the production default and its schema. */
export const SHIPPED_POLICY_FILES = ['default.yaml', 'schema.json'] as const;

export interface PackageOptions {
  /** The project folder (holds host.json). Default: found from this file. */
  readonly root?: string;
  /** Default: `<root>/out/package`. Emptied first. */
  readonly outDir?: string;
  /** Default: `<root>/out/aml-warden.zip`. */
  readonly zipFile?: string;
}

export interface PackageResult {
  readonly outDir: string;
  readonly zipFile: string;
  /** Paths inside the zip, `/`-separated, sorted. */
  readonly files: readonly string[];
  /** Source maps written to `outDir` and left out of the zip, `/`-separated, sorted. */
  readonly sourceMaps: readonly string[];
  readonly zipBytes: number;
  readonly mainBytes: number;
  /** All JavaScript of the bundle (main.js and chunks), without source maps. */
  readonly javascriptBytes: number;
  /** Packages whose code `main.js` loads at start (through static imports), by package name. */
  readonly packagesLoadedAtStart: readonly string[];
  /** The web console's bundle, in `console/`: its JavaScript as served and gzipped. */
  readonly console: Pick<ConsoleBuildResult, 'javascriptBytes' | 'javascriptGzipBytes'>;
}

const manifestSchema = z.object({ name: z.string(), version: z.string(), description: z.string().optional(), license: z.string().optional() });

export { findProjectRoot };

export async function buildPackage(options: PackageOptions = {}): Promise<PackageResult> {
  const root = resolve(options.root ?? findProjectRoot());
  const outDir = resolve(options.outDir ?? join(root, 'out', 'package'));
  const zipFile = resolve(options.zipFile ?? join(root, 'out', 'aml-warden.zip'));
  const manifest = manifestSchema.parse(JSON.parse(await readFile(join(root, 'package.json'), 'utf8')));

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: join(root, 'src', 'index.ts') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Prefer a package's ESM build: split chunks of a CommonJS-only build expose just a default export, so
    // `await import('@azure/arm-machinelearning')` would find no named client class in the bundle.
    mainFields: ['module', 'main'],
    // Chunks sit next to main.js so code that locates the app root from import.meta.url finds it in every chunk.
    chunkNames: 'chunk-[hash]',
    entryNames: '[name]',
    // Injected by the Functions worker at run time.
    external: ['@azure/functions-core'],
    banner: {
      // Bundled CommonJS calls require() for node built-ins and reads __dirname; ESM has neither.
      js: [
        "import { createRequire as __amlwCreateRequire } from 'node:module';",
        "import { fileURLToPath as __amlwFileURLToPath } from 'node:url';",
        "import { dirname as __amlwDirname } from 'node:path';",
        'const require = __amlwCreateRequire(import.meta.url);',
        'const __filename = __amlwFileURLToPath(import.meta.url);',
        'const __dirname = __amlwDirname(__filename);',
      ].join(' '),
    },
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });

  const packagesLoadedAtStart = packagesReachableStatically(result.metafile, join(relative(root, outDir), 'main.js'));
  const eager = packagesLoadedAtStart.filter((name) => (LAZY_PACKAGES as readonly string[]).includes(name));
  if (eager.length > 0) {
    throw new Error(`main.js loads ${eager.join(', ')} at start; the app must load them with await import(...) on first use`);
  }

  await writeFile(
    join(outDir, 'package.json'),
    `${JSON.stringify(
      {
        name: manifest.name,
        version: manifest.version,
        description: manifest.description,
        license: manifest.license,
        private: true,
        type: 'module',
        main: 'main.js',
        engines: { node: '>=20' },
      },
      null,
      2,
    )}\n`,
  );
  await copyFile(join(root, 'host.json'), join(outDir, 'host.json'));
  // Beside main.js, where the console function looks for it (src/http/consoleAssets.ts).
  const consoleBuild = await buildConsole({ root, outDir: join(outDir, 'console') });
  await mkdir(join(outDir, 'policy'), { recursive: true });
  for (const file of SHIPPED_POLICY_FILES) {
    const source = join(root, 'policy', file);
    if (!existsSync(source)) throw new Error(`policy/${file} is missing; the package ships it`);
    await copyFile(source, join(outDir, 'policy', file));
  }

  const written = await listFiles(outDir);
  const sourceMaps = written.filter(isSourceMap);
  const files = written.filter((file) => !isSourceMap(file));
  await mkdir(dirname(zipFile), { recursive: true });
  await writeZip(outDir, files, zipFile);
  // The app's own bundle; the console's script is reported on its own.
  const javascriptFiles = files.filter((file) => file.endsWith('.js') && !file.startsWith('console/'));
  return {
    outDir,
    zipFile,
    files,
    sourceMaps,
    zipBytes: (await stat(zipFile)).size,
    mainBytes: (await stat(join(outDir, 'main.js'))).size,
    javascriptBytes: (await Promise.all(javascriptFiles.map(async (file) => (await stat(join(outDir, file))).size))).reduce((a, b) => a + b, 0),
    packagesLoadedAtStart,
    console: { javascriptBytes: consoleBuild.javascriptBytes, javascriptGzipBytes: consoleBuild.javascriptGzipBytes },
  };
}

/** Package names whose modules sit in `entry` or in chunks it imports statically (transitively). */
export function packagesReachableStatically(metafile: Metafile, entry: string): string[] {
  const normalise = (path: string): string => path.split(sep).join('/');
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, output]) => [normalise(path), output]));
  const seen = new Set<string>();
  const pending = [normalise(entry)];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const imported of outputs.get(path)?.imports ?? []) {
      if (imported.kind === 'import-statement' && imported.external !== true) pending.push(normalise(imported.path));
    }
  }
  const packages = new Set<string>();
  for (const path of seen) {
    for (const input of Object.keys(outputs.get(path)?.inputs ?? {})) {
      const name = packageOf(input);
      if (name !== undefined) packages.add(name);
    }
  }
  return [...packages].sort();
}

/** `node_modules/@scope/name/...` → `@scope/name` (the innermost node_modules wins). */
export function packageOf(inputPath: string): string | undefined {
  const parts = inputPath.split(/[\\/]/);
  const index = parts.lastIndexOf('node_modules');
  if (index < 0) return undefined;
  const first = parts[index + 1];
  if (first === undefined) return undefined;
  if (!first.startsWith('@')) return first;
  const second = parts[index + 2];
  return second === undefined ? undefined : `${first}/${second}`;
}

const isSourceMap = (file: string): boolean => file.endsWith('.map');

async function listFiles(folder: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listFiles(join(folder, entry.name), path)));
    else if (entry.isFile()) files.push(path);
  }
  return files.sort();
}

async function writeZip(folder: string, files: readonly string[], zipFile: string): Promise<void> {
  const zip = new yazl.ZipFile();
  // A fixed timestamp keeps the zip identical for identical inputs.
  const mtime = new Date('2020-01-01T00:00:00Z');
  for (const file of files) zip.addFile(join(folder, ...file.split('/')), file, { mtime, mode: 0o100644 });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipFile));
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

async function main(): Promise<void> {
  const result = await buildPackage();
  const root = findProjectRoot();
  process.stdout.write(
    [
      `packaged ${result.files.length} files into ${relative(root, result.zipFile)}: ${formatBytes(result.zipBytes)}`,
      `  main.js ${formatBytes(result.mainBytes)}, all JavaScript ${formatBytes(result.javascriptBytes)} (${relative(root, result.outDir)})`,
      `  ${result.sourceMaps.length} source maps kept in ${relative(root, result.outDir)} for local debugging, not zipped`,
      `  loaded at start: ${result.packagesLoadedAtStart.join(', ') || '(no packages)'}`,
      `  ${describeConsoleBundle(result.console)}, in console/`,
      '',
    ].join('\n'),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`package: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
