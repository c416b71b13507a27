/** A function registered through the stub: its metadata as the worker would receive it. */
export interface StubRegisteredFunction {
  readonly name: string;
  readonly bindings: Record<string, unknown>;
  readonly hasCallback: boolean;
}

/** The functions registered so far in this process. */
export function registeredFunctions(): StubRegisteredFunction[];
