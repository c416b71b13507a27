import { join } from 'node:path';
/**
 * The app installs on Node.js 20 and 22 without engine warnings: every package the lockfile installs declares a
 * Node range that both lines satisfy. (npm warns EBADENGINE for any that does not; applicationinsights 3.16
 * pulled in @azure/monitor-opentelemetry 1.19+, which declares node >=22.)
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const lockfile = z
  .object({
    packages: z.record(z.string(), z.object({ engines: z.union([z.record(z.string(), z.string()), z.array(z.string())]).optional(), dev: z.boolean().optional() })),
  })
  .parse(JSON.parse(readFileSync(join(repositoryRoot, 'package-lock.json'), 'utf8')));

const packageJson = z
  .object({ engines: z.object({ node: z.string() }) })
  .parse(JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')));

/** The oldest releases of each supported line that the project promises to install on. */
const SUPPORTED_NODE = ['20.19.0', '22.13.0'];

function nodeRangeOf(engines: Record<string, string> | string[] | undefined): string | undefined {
  return engines === undefined || Array.isArray(engines) ? undefined : engines['node'];
}

describe('Node.js engines', () => {
  it('the app declares it runs on Node.js 20 and 22', () => {
    for (const version of SUPPORTED_NODE) expect(semver.satisfies(version, packageJson.engines.node), version).toBe(true);
  });

  it.each(SUPPORTED_NODE)('every locked runtime package accepts Node.js %s', (version) => {
    const refused = Object.entries(lockfile.packages)
      .filter(([path, entry]) => path !== '' && entry.dev !== true)
      .map(([path, entry]) => ({ path, range: nodeRangeOf(entry.engines) }))
      .filter((entry): entry is { path: string; range: string } => entry.range !== undefined && semver.validRange(entry.range) !== null)
      .filter((entry) => !semver.satisfies(version, entry.range))
      .map((entry) => `${entry.path} (${entry.range})`);
    expect(refused).toEqual([]);
  });

  it.each(SUPPORTED_NODE)('every locked development package accepts Node.js %s, so npm ci is quiet too', (version) => {
    const refused = Object.entries(lockfile.packages)
      .filter(([path, entry]) => path !== '' && entry.dev === true)
      .map(([path, entry]) => ({ path, range: nodeRangeOf(entry.engines) }))
      .filter((entry): entry is { path: string; range: string } => entry.range !== undefined && semver.validRange(entry.range) !== null)
      .filter((entry) => !semver.satisfies(version, entry.range))
      .map((entry) => `${entry.path} (${entry.range})`);
    expect(refused).toEqual([]);
  });
});
