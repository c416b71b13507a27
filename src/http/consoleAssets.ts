/**
 * The console's built files (`npm run build` writes them with `scripts/buildConsole.ts`): a folder named `console`
 * holding `index.html`, the hashed script and style sheet, and `assets.json`, the manifest that lists them. Only files
 * the manifest lists are ever served, looked up by exact name, so no request path reaches the file system.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The manifest's name inside the console folder; written last by the build, so its presence means a finished build. */
export const CONSOLE_MANIFEST = 'assets.json';
export const CONSOLE_FOLDER = 'console';

export const consoleManifestSchema = z.object({
  version: z.literal(1),
  /** The page every console address answers with. */
  index: z.string().min(1),
  files: z.array(
    z.object({
      /** `/`-separated, relative to the console folder. */
      path: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { message: 'must be a plain relative path' }),
      contentType: z.string().min(1),
      /** A content-hashed name: cached for good. */
      immutable: z.boolean(),
      bytes: z.number().int().nonnegative(),
      gzipBytes: z.number().int().nonnegative(),
    }),
  ),
});

export type ConsoleManifest = z.infer<typeof consoleManifestSchema>;

export interface ConsoleAsset {
  readonly path: string;
  readonly contentType: string;
  readonly immutable: boolean;
  readonly body: Buffer;
}

export interface ConsoleAssets {
  readonly index: ConsoleAsset;
  /** The file at exactly this path, if the manifest lists it. */
  find(path: string): ConsoleAsset | undefined;
}

/** Reads every file the folder's manifest lists (they are few and small), checking the manifest's shape. */
export async function readConsoleAssets(folder: string): Promise<ConsoleAssets> {
  const manifestFile = join(folder, CONSOLE_MANIFEST);
  const parsed = consoleManifestSchema.safeParse(JSON.parse(await readFile(manifestFile, 'utf8')));
  if (!parsed.success) throw new Error(`${manifestFile} is not a console manifest: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const files = new Map<string, ConsoleAsset>();
  for (const file of parsed.data.files) {
    files.set(file.path, { path: file.path, contentType: file.contentType, immutable: file.immutable, body: await readFile(join(folder, ...file.path.split('/'))) });
  }
  const index = files.get(parsed.data.index);
  if (index === undefined) throw new Error(`${manifestFile} names the page ${parsed.data.index} but does not list it`);
  return { index, find: (path) => files.get(path) };
}

/**
 * The built console folder: `console/` beside the bundled `main.js` (the package), or `dist/console/` above the compiled
 * `dist/src/http/` (a build). Looks from this module upwards, no further than the app root (the folder holding
 * host.json), for a `console` folder with a manifest; the project's `console/` sources have none.
 */
export function findConsoleFolder(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let folder = resolve(from);
  for (;;) {
    const candidate = join(folder, CONSOLE_FOLDER);
    if (existsSync(join(candidate, CONSOLE_MANIFEST))) return candidate;
    const parent = dirname(folder);
    if (existsSync(join(folder, 'host.json')) || parent === folder) return undefined;
    folder = parent;
  }
}
