/** Loading API data into a page: the answer or the error, a way to load again, and optional refreshing. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

export interface LoadOptions<T> {
  /** Milliseconds until the next load after an answer, or undefined to stop (a request that is still provisioning). */
  readonly refreshAfter?: (data: T) => number | undefined;
}

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], options: LoadOptions<T> = {}): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [generation, setGeneration] = useState(0);
  const refreshAfter = useRef(options.refreshAfter);
  refreshAfter.current = options.refreshAfter;

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = (): void => {
      setState((previous) => ({ ...previous, loading: true }));
      load().then(
        (data) => {
          if (!active) return;
          setState({ data, error: undefined, loading: false });
          const delay = refreshAfter.current?.(data);
          if (delay !== undefined) timer = setTimeout(run, delay);
        },
        (error: unknown) => {
          if (active) setState((previous) => ({ data: previous.data, error, loading: false }));
        },
      );
    };
    run();
    return () => {
      active = false;
      if (timer !== undefined) clearTimeout(timer);
    };
    // The caller names what the load depends on.
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}
