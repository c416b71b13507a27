import { describe, expect, test } from 'vitest';
import { policyJsonSchema, policyJsonSchemaText } from '../../src/policy/policyJsonSchema.js';
import { readProjectFile } from './policyTestKit.js';

describe('policy/schema.json', () => {
  test('the committed schema equals the one generated from the zod schema', () => {
    expect(readProjectFile('policy/schema.json')).toBe(policyJsonSchemaText());
  });

  test('both shipped policy files point the YAML language server at it', () => {
    for (const file of ['policy/default.yaml', 'policy/playground.yaml']) {
      expect(readProjectFile(file).split('\n')[0], file).toBe('# yaml-language-server: $schema=./schema.json');
    }
  });

  test('unknown keys are refused by the JSON schema too, and defaulted fields are optional', () => {
    const schema = policyJsonSchema() as {
      additionalProperties: boolean;
      required?: string[];
      properties: Record<string, { default?: unknown; description?: string }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required ?? []).toEqual([]);
    expect(schema.properties['mode']?.default).toBe('audit');
    expect(Object.keys(schema.properties)).toEqual([
      'version',
      'mode',
      'scope',
      'requiredTags',
      'scaling',
      'exemptions',
      'cd',
      'notifications',
      'driftRetrain',
      'computeRequests',
      'quota',
      'onlineEndpoints',
      'jobs',
      'modelMonitoring',
    ]);
  });
});
