#!/usr/bin/env node
// The `aml-warden` command. `dev ...` drives the local playground; everything else is the app's own CLI.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const [modulePath, exportName, args] =
  argv[0] === 'dev' ? [join(root, 'dist', 'dev', 'cli.js'), 'runDevCli', argv.slice(1)] : [join(root, 'dist', 'src', 'cli.js'), 'runCli', argv];

if (!existsSync(modulePath)) {
  process.stderr.write(`aml-warden: ${modulePath} not found; run \`npm run build\` first.\n`);
  process.exit(1);
}

try {
  const module = await import(pathToFileURL(modulePath).href);
  const run = module[exportName];
  if (typeof run !== 'function') {
    process.stderr.write(`aml-warden: ${modulePath} does not export ${exportName}; run \`npm run build\` again.\n`);
    process.exit(1);
  }
  const code = await run(args);
  process.exitCode = typeof code === 'number' ? code : 0;
} catch (error) {
  process.stderr.write(`aml-warden: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
