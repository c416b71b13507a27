/**
 * Where the tests read Microsoft's published samples (Event Grid deliveries, ARM examples) from.
 *
 * `../shared/fixtures` beside the repository, when present, is the source of truth; a plain clone (CI) has
 * only the verbatim copy committed in `test/fixtures/published/`. The shared folder wins when it exists, so a
 * sample updated there is what the tests see; `test/structure/publishedFixtures.test.ts` keeps the copy identical.
 * `AML_WARDEN_FIXTURES_DIR` (test-only, absolute or relative to the repository root) names another folder
 * instead — e.g. `test/fixtures/published` to run as a plain clone would.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const FIXTURES_DIR_OVERRIDE = 'AML_WARDEN_FIXTURES_DIR';

export const repositoryRoot = new URL('../../', import.meta.url);

/** The copy committed with the repository. */
export const committedFixturesDir = new URL('test/fixtures/published/', repositoryRoot);

/** The shared folder beside the repository, whether or not it exists here. */
export const besideRepositoryFixturesDir = new URL('../shared/fixtures/', repositoryRoot);

function asDirectoryUrl(dir: string): URL {
  const absolute = path.resolve(fileURLToPath(repositoryRoot), dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new Error(`${FIXTURES_DIR_OVERRIDE}=${dir} is not a directory`);
  }
  return pathToFileURL(absolute + path.sep);
}

/** The source of truth outside the committed copy (the override, else `../shared/fixtures`), or undefined on a plain clone. */
export function sharedFixturesDir(env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const override = env[FIXTURES_DIR_OVERRIDE];
  if (override !== undefined && override !== '') {
    const dir = asDirectoryUrl(override);
    return dir.href === committedFixturesDir.href ? undefined : dir;
  }
  return existsSync(besideRepositoryFixturesDir) ? besideRepositoryFixturesDir : undefined;
}

/** The folder the tests read the samples from (ends in `/`). */
export function publishedFixturesDir(env: NodeJS.ProcessEnv = process.env): URL {
  return sharedFixturesDir(env) ?? committedFixturesDir;
}

/** A sample file or folder (`events/`, `arm/2022-10-01/Workspace/get.json`) in the folder the tests read. */
export function publishedFixtureUrl(relPath: string): URL {
  return new URL(relPath, publishedFixturesDir());
}

export function readPublishedFixture(relPath: string): string {
  return readFileSync(publishedFixtureUrl(relPath), 'utf8');
}

/** Every file under `dir`, as sorted `/`-separated paths relative to it. */
export function listFixtureFiles(dir: URL): string[] {
  const root = fileURLToPath(dir);
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}
