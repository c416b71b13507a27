/**
 * Writes `policy/schema.json` from the policy's zod schema, so editors validate policy files as the
 * app does. `--check` writes nothing and fails when the file is out of date.
 *
 *   npm run build && node dist/scripts/policySchema.js [--check]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyJsonSchemaText } from '../src/policy/policyJsonSchema.js';

/** The project root: the nearest folder with a package.json (this runs from `scripts/` and from `dist/scripts/`). */
function projectRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('package.json not found above the script');
    folder = parent;
  }
  return folder;
}

const schemaFile = join(projectRoot(), 'policy', 'schema.json');
const wanted = policyJsonSchemaText();
const current = existsSync(schemaFile) ? readFileSync(schemaFile, 'utf8') : undefined;

if (process.argv.includes('--check')) {
  if (current !== wanted) {
    console.error(`${schemaFile} is out of date: run node dist/scripts/policySchema.js`);
    process.exitCode = 1;
  } else {
    console.log(`${schemaFile} is up to date`);
  }
} else if (current === wanted) {
  console.log(`${schemaFile} is up to date`);
} else {
  writeFileSync(schemaFile, wanted);
  console.log(`wrote ${schemaFile}`);
}
