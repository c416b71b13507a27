import { AppError } from '../../src/errors.js';
import type { CdRunRequest, CdRunStarted, CdTargetAdapter, CdTargets, RunLookup } from '../../src/modelCd/ports.js';
import type { CdTarget } from '../../src/policy/policySchema.js';

/** What the next start does, beyond starting a run. */
export type StartBehaviour =
  /** The target starts the run, and its answer is lost (a 502 after acceptance, a timeout): the caller sees a transient failure. */
  | 'acceptThenLoseAnswer'
  /** The target is briefly unavailable and starts nothing. */
  | 'unavailable'
  /** The target refuses the run for good (a 4xx). */
  | 'refuse';

export interface StartedRun {
  readonly target: string;
  readonly runId: string;
  readonly request: CdRunRequest;
  readonly at: Date;
}

/**
 * CD targets in memory, one pipeline per policy target: runs are kept with their idempotency key and can be found
 * by it, as Azure DevOps and GitHub find them by run name. A test scripts what the next starts do.
 */
export class MemoryCdTargets implements CdTargets {
  readonly runs: StartedRun[] = [];
  readonly calls: { readonly target: string; readonly call: 'startRun' | 'findRun' }[] = [];
  readonly #next: StartBehaviour[] = [];
  /** Runs before `findRun` answers (a test moves its clock here to make the lookup slow). */
  onFind: () => void = () => undefined;

  constructor(private readonly now: () => Date) {}

  /** The next starts behave like this, in order; later ones start normally. */
  script(...behaviours: StartBehaviour[]): void {
    this.#next.push(...behaviours);
  }

  forTarget(target: CdTarget): CdTargetAdapter {
    const name = describe(target);
    return {
      kind: target.kind,
      description: name,
      startRun: async (request): Promise<CdRunStarted> => {
        this.calls.push({ target: name, call: 'startRun' });
        const behaviour = this.#next.shift();
        if (behaviour === 'unavailable') throw new AppError('UpstreamTransient', `${name} answered 503`, { module: 'cd' });
        if (behaviour === 'refuse') throw new AppError('UpstreamPermanent', `${name} answered 400: the pipeline does not accept parameter 'modelName'`, { module: 'cd' });
        const run: StartedRun = { target: name, runId: String(this.runs.length + 1), request, at: this.now() };
        this.runs.push(run);
        if (behaviour === 'acceptThenLoseAnswer') throw new AppError('UpstreamTransient', `${name} answered 502 after accepting the run`, { module: 'cd' });
        return { runId: run.runId, link: `https://cd.example/runs/${run.runId}` };
      },
      findRun: async (idempotencyKey, since): Promise<RunLookup> => {
        this.calls.push({ target: name, call: 'findRun' });
        this.onFind();
        const run = this.runs.find((candidate) => candidate.target === name && candidate.request.idempotencyKey === idempotencyKey && candidate.at >= since);
        return run === undefined ? { kind: 'none' } : { kind: 'found', run: { runId: run.runId, link: `https://cd.example/runs/${run.runId}` } };
      },
    };
  }

  runsOf(target: CdTarget): StartedRun[] {
    const name = describe(target);
    return this.runs.filter((run) => run.target === name);
  }
}

function describe(target: CdTarget): string {
  switch (target.kind) {
    case 'azureDevOps':
      return `Azure DevOps ${target.organizationUrl} ${target.project} pipeline ${target.pipelineId}`;
    case 'githubActions':
      return `GitHub ${target.owner}/${target.repo} workflow ${target.workflow}`;
    case 'webhook':
      return `webhook ${target.url}`;
  }
}
