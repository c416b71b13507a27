/**
 * Builds the web console (`console/`) into a folder the `console` function serves: `index.html`, one content-hashed
 * script and style sheet bundled by esbuild (Preact, MSAL.js and the console's code; no CDN, nothing fetched at run
 * time), and `assets.json`, the manifest the function reads, written last. `npm run build` writes `dist/console/`;
 * `npm run package` writes `console/` beside `main.js`.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { CONSOLE_MANIFEST, type ConsoleManifest } from '../src/http/consoleAssets.js';
import { findProjectRoot } from './projectRoot.js';

/** What the issue asks of the console's JavaScript, gzipped; `npm run package` reports against it. */
export const CONSOLE_JS_BUDGET_GZIP_BYTES = 150 * 1024;

export interface ConsoleBuildOptions {
  /** The project folder. Default: found from this file. */
  readonly root?: string;
  /** Emptied first. Default `<root>/dist/console`. */
  readonly outDir?: string;
}

export interface ConsoleBuildResult {
  readonly outDir: string;
  readonly manifest: ConsoleManifest;
  /** The bundled JavaScript, as served and gzipped. */
  readonly javascriptBytes: number;
  readonly javascriptGzipBytes: number;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  // esbuild's linked legal comments: the bundled libraries' licence notices.
  '.txt': 'text/plain; charset=utf-8',
};

function contentTypeOf(file: string): string {
  const extension = /\.[a-z0-9]+$/i.exec(file)?.[0]?.toLowerCase() ?? '';
  const type = contentTypes[extension];
  if (type === undefined) throw new Error(`the console build wrote ${file}, a kind of file the console does not serve`);
  return type;
}

export async function buildConsole(options: ConsoleBuildOptions = {}): Promise<ConsoleBuildResult> {
  const root = resolve(options.root ?? findProjectRoot());
  const outDir = resolve(options.outDir ?? join(root, 'dist', 'console'));
  const source = join(root, 'console');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: join(source, 'src', 'main.tsx') },
    outdir: outDir,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Browsers of the last few years: what MSAL.js itself needs (Web Crypto, fetch, ES2020).
    target: ['es2022', 'chrome109', 'firefox115', 'safari16', 'edge109'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(source, 'tsconfig.json'),
    minify: true,
    sourcemap: false,
    legalComments: 'linked',
    metafile: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });

  const written = Object.keys(result.metafile.outputs).map((path) => relative(outDir, resolve(root, path)).split('\\').join('/'));
  const script = written.find((file) => /^app-[A-Z0-9]+\.js$/i.test(file));
  const style = written.find((file) => /^app-[A-Z0-9]+\.css$/i.test(file));
  if (script === undefined || style === undefined) throw new Error(`the console build wrote no app script and style sheet (${written.join(', ')})`);

  const template = await readFile(join(source, 'index.html'), 'utf8');
  if (!template.includes('%APP_SCRIPT%') || !template.includes('%APP_STYLE%')) throw new Error('console/index.html must name %APP_SCRIPT% and %APP_STYLE%');
  await writeFile(join(outDir, 'index.html'), template.replaceAll('%APP_SCRIPT%', script).replaceAll('%APP_STYLE%', style));

  const files: ConsoleManifest['files'] = [];
  let javascriptBytes = 0;
  let javascriptGzipBytes = 0;
  for (const file of ['index.html', ...written].sort()) {
    const body = await readFile(join(outDir, ...file.split('/')));
    const gzipBytes = gzipSync(body, { level: 9 }).length;
    files.push({ path: file, contentType: contentTypeOf(file), immutable: /-[A-Z0-9]{8,}\.(js|css)$/i.test(basename(file)), bytes: body.length, gzipBytes });
    if (file.endsWith('.js')) {
      javascriptBytes += body.length;
      javascriptGzipBytes += gzipBytes;
    }
  }
  const manifest: ConsoleManifest = { version: 1, index: 'index.html', files };
  await writeFile(join(outDir, CONSOLE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, manifest, javascriptBytes, javascriptGzipBytes };
}

/** `console: app-3F2A.js 412.0 kB, 118.3 kB gzipped (budget 150.0 kB)`. */
export function describeConsoleBundle(result: Pick<ConsoleBuildResult, 'javascriptBytes' | 'javascriptGzipBytes'>): string {
  const kB = (bytes: number): string => `${(bytes / 1024).toFixed(1)} kB`;
  const over = result.javascriptGzipBytes > CONSOLE_JS_BUDGET_GZIP_BYTES;
  return `console JavaScript ${kB(result.javascriptBytes)}, ${kB(result.javascriptGzipBytes)} gzipped (budget ${kB(CONSOLE_JS_BUDGET_GZIP_BYTES)}${over ? ': OVER' : ''})`;
}

async function main(): Promise<void> {
  const result = await buildConsole();
  process.stdout.write(`built the console into ${relative(findProjectRoot(), result.outDir)}: ${describeConsoleBundle(result)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`console build: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
