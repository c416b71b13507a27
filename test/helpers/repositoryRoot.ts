import { join } from 'node:path';

/** The repository's root folder (no trailing separator), wherever a test file sits below `test/`. */
export const repositoryRoot = join(import.meta.dirname, '..', '..');
