// Loads an app entry the way the Functions worker does — `@azure/functions-core` present, the entry imported —
// and exits as soon as registration has run. Exit code 2 when the entry registered no function.
// Usage: node bench/loadEntry.mjs <entry.js>
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registeredFunctions } from './functionsCoreStub.mjs';

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node bench/loadEntry.mjs <entry.js>\n');
  process.exit(64);
}
await import(pathToFileURL(resolve(entry)).href);
process.exit(registeredFunctions().length > 0 ? 0 : 2);
