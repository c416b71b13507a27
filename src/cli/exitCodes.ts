/**
 * The CLI's exit codes, for CI pipelines (README, "The aml-warden command"):
 * 0 nothing to fail on; 1 findings (`--fail-on`) or policy problems; 2 a usage error; 3 an environment or Azure
 * error — settings, a service out of reach, a subscription or workspace that could not be swept.
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, environment: 3 } as const;

/** The command line is wrong: said with the command's usage, exit 2. */
export class UsageError extends Error {}

/** The world is wrong (settings, reachability, Azure's answer): said plainly, exit 3. */
export class EnvironmentError extends Error {}
