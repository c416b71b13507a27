import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding host.json, from this module's location (works from `scripts/` and `dist/scripts/`). */
export function findProjectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let folder = resolve(from);
  for (;;) {
    if (existsSync(join(folder, 'host.json')) && existsSync(join(folder, 'package.json'))) return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`no folder holding host.json and package.json above ${from}`);
    folder = parent;
  }
}
