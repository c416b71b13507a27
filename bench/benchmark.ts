/** What every benchmark module in `bench/` exports as `benchmark`; `bench/run.ts` lists them by name. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<void>;
}

export interface BenchContext {
  /** The project folder (holds host.json, dist/, out/). */
  readonly root: string;
  /** BENCHMARKS.md; each benchmark rewrites its own section. */
  readonly reportFile: string;
  readonly log: (line: string) => void;
}
