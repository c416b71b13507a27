import { compareRoutePrecedence, RouteTemplate } from './routeTemplate.js';

export interface HttpRouteMatch<T> {
  readonly target: T;
  readonly template: string;
  readonly params: Record<string, string>;
}

interface HttpRoute<T> {
  readonly template: RouteTemplate;
  /** Upper-case methods; undefined = every method. */
  readonly methods: readonly string[] | undefined;
  readonly target: T;
}

/** HTTP trigger routes, tried from most to least specific; a route whose methods exclude the request's is skipped. */
export class HttpRouteTable<T> {
  #routes: HttpRoute<T>[] = [];

  add(template: string, methods: readonly string[] | undefined, target: T): void {
    const route: HttpRoute<T> = {
      template: new RouteTemplate(template),
      methods: methods === undefined || methods.length === 0 ? undefined : methods.map((method) => method.toUpperCase()),
      target,
    };
    this.#routes = [...this.#routes, route].sort((a, b) => compareRoutePrecedence(a.template, b.template));
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
