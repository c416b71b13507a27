/**
 * A copy of the project as `npm start` runs it, in a fresh folder: src/ and dev/ compiled, host.json, the sample
 * settings, the policies and the `aml-warden` command. Tests start the playground from it without touching the
 * project's own `dist/` or `local.settings.json`; `remove()` deletes it.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { repositoryRoot } from './repositoryRoot.js';

const root = repositoryRoot;

export interface PlaygroundCopy {
  readonly folder: string;
  /** `<folder>/dist`: the compiled src/ and dev/. */
  readonly distDir: string;
  remove(): Promise<void>;
}

/** Compiles src/ and dev/ file by file (as `npm run build` does, without type checking) into `<folder>/dist`. */
async function compileTree(folder: string): Promise<string> {
  const distDir = join(folder, 'dist');
  const sources: string[] = [];
  for (const top of ['src', 'dev']) {
    for (const entry of await readdir(join(root, top), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) sources.push(path);
      else {
        const target = join(distDir, relative(root, path));
        await mkdir(join(target, '..'), { recursive: true });
        await copyFile(path, target);
      }
    }
  }
  await build({ entryPoints: sources, outdir: distDir, outbase: root, bundle: false, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
  return distDir;
}

/** `prefix` names the folder (`.aml-warden/tmp/<prefix>XXXXXX`). */
export async function createPlaygroundCopy(prefix: string): Promise<PlaygroundCopy> {
  // Inside the project, so the compiled tree resolves the project's node_modules.
  await mkdir(join(root, '.aml-warden', 'tmp'), { recursive: true });
  const folder = await mkdtemp(join(root, '.aml-warden', 'tmp', prefix));
  const remove = () => rm(folder, { recursive: true, force: true });
  try {
    const distDir = await compileTree(folder);
    for (const file of ['local.settings.sample.json', 'host.json']) await copyFile(join(root, file), join(folder, file));
    await mkdir(join(folder, 'policy'));
    for (const file of await readdir(join(root, 'policy'))) await copyFile(join(root, 'policy', file), join(folder, 'policy', file));
    await mkdir(join(folder, 'bin'));
    await copyFile(join(root, 'bin', 'aml-warden.js'), join(folder, 'bin', 'aml-warden.js'));
    return { folder, distDir, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
