import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingDefaults, settingNames } from '../../src/config.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

/** The rows of README.md's settings table: `| `NAME` | default | meaning |`. */
function readmeSettingsTable(): Map<string, string> {
  const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
  const section = /^## Settings\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = /^\|\s*`([A-Z0-9_]+(?:__[a-z][A-Za-z]*)?)`\s*\|([^|]*)\|/.exec(line);
    if (cells?.[1] !== undefined) rows.set(cells[1], (cells[2] ?? '').trim());
  }
  return rows;
}

describe("README.md's settings table", () => {
  it('lists exactly the settings the app reads', () => {
    expect([...readmeSettingsTable().keys()].sort()).toEqual([...settingNames].sort());
  });

  it('gives each setting with a default that default', () => {
    const table = readmeSettingsTable();
    for (const name of settingNames) {
      const value = settingDefaults[name];
      if (value !== undefined) expect({ name, shown: table.get(name) }).toEqual({ name, shown: `\`${value}\`` });
    }
  });
});
