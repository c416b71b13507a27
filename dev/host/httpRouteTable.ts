import { RouteTemplate } from './routeTemplate.js';

export interface HttpRouteMatch<T> {
  readonly target: T;
  readonly template: string;
  readonly params: Record<string, string>;
}

interface HttpRoute<T> {
  readonly functionName: string;
  readonly template: RouteTemplate;
  /** Upper-case methods; undefined = every method. */
  readonly methods: readonly string[] | undefined;
  readonly target: T;
}

/**
 * HTTP trigger routes, tried in the order of their functions' names; the first whose template and methods match
 * wins, however specific another route is. That is the Functions host's order, not ASP.NET Core's route precedence:
 * - azure-functions-host `src/WebJobs.Script/Host/FunctionMetadataManager.cs` (`LoadFunctionMetadata`) returns the
 *   functions `OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase)`;
 * - `src/WebJobs.Script.WebHost/WebScriptHostHttpRoutesManager.cs` (`InitializeHttpFunctionRoutes`) maps each one's
 *   route, in that order, with an `httpMethod` constraint, through azure-webjobs-sdk-extensions
 *   `src/WebJobs.Extensions.Http/Routing/WebJobsRouteBuilder.cs`, whose `Build()` is a plain ASP.NET Core
 *   `RouteCollection`: routes are tried in the order they were added.
 * So `items/{id}` served by function `getItem` shadows `items/recent` served by `listRecent`
 * (Azure/azure-functions-host#9876, Azure/azure-functions-nodejs-library#300, both open).
 */
export class HttpRouteTable<T> {
  #routes: HttpRoute<T>[] = [];

  add(functionName: string, template: string, methods: readonly string[] | undefined, target: T): void {
    const route: HttpRoute<T> = {
      functionName,
      template: new RouteTemplate(template),
      methods: methods === undefined || methods.length === 0 ? undefined : methods.map((method) => method.toUpperCase()),
      target,
    };
    this.#routes = [...this.#routes, route].sort((a, b) => compareOrdinalIgnoreCase(a.functionName, b.functionName));
  }

  /** `path` is the part after the route prefix, still percent-encoded. */
  match(method: string, path: string): HttpRouteMatch<T> | undefined {
    const wanted = method.toUpperCase();
    for (const route of this.#routes) {
      if (route.methods !== undefined && !route.methods.includes(wanted)) continue;
      const params = route.template.match(path);
      if (params !== undefined) return { target: route.target, template: route.template.template, params };
    }
    return undefined;
  }
}

/**
 * .NET's `StringComparer.OrdinalIgnoreCase`: code units compared after upper-casing. Function names are ASCII
 * (azure-functions-host `src/WebJobs.Script/Utility.cs`: `^[a-z][a-z0-9_\-]{0,127}$`, case-insensitive), where
 * JavaScript's upper-casing is .NET's, so `-` and the digits sort before the letters and `_` after them.
 */
function compareOrdinalIgnoreCase(a: string, b: string): number {
  const left = a.toUpperCase();
  const right = b.toUpperCase();
  return left < right ? -1 : left > right ? 1 : 0;
}
