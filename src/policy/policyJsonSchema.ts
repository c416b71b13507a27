import * as z from 'zod';
import { policySchema } from './policySchema.js';

/**
 * The JSON Schema editors validate policy files with (`# yaml-language-server: $schema=./schema.json`).
 * Draft-07 for the widest editor support; `input` so fields with defaults are optional.
 */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policySchema, { target: 'draft-7', io: 'input' });
  return { ...schema, title: 'aml-warden policy' };
}

/** Stable text for `policy/schema.json`: two-space indent, trailing newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
