import { describe, expect, test } from 'vitest';
import { HttpRouteTable } from '../../../dev/host/httpRouteTable.js';
import { RouteTemplate, RouteTemplateError } from '../../../dev/host/routeTemplate.js';

describe('route templates', () => {
  test('a parameter segment binds its value and literals match case-insensitively', () => {
    const route = new RouteTemplate('compute-requests/{id}/approve');
    expect(route.match('Compute-Requests/req-42/APPROVE')).toEqual({ id: 'req-42' });
    expect(route.match('compute-requests/req-42/reject')).toBeUndefined();
    expect(route.match('compute-requests/req-42')).toBeUndefined();
    expect(route.match('compute-requests/req-42/approve/extra')).toBeUndefined();
  });

  test('an optional parameter may be absent, a default fills in when it is', () => {
    expect(new RouteTemplate('compute-requests/{id?}').match('compute-requests')).toEqual({});
    expect(new RouteTemplate('compute-requests/{id?}').match('compute-requests/7')).toEqual({ id: '7' });
    expect(new RouteTemplate('reports/{page=1}').match('reports')).toEqual({ page: '1' });
  });

  test('parameter values are percent-decoded and a trailing slash is ignored', () => {
    expect(new RouteTemplate('models/{name}').match('models/my%20model/')).toEqual({ name: 'my model' });
  });

  test('constraints reject values of the wrong shape', () => {
    const route = new RouteTemplate('items/{id:int:min(1)}');
    expect(route.match('items/5')).toEqual({ id: '5' });
    expect(route.match('items/0')).toBeUndefined();
    expect(route.match('items/five')).toBeUndefined();
    expect(new RouteTemplate('runs/{id:guid}').match('runs/01d29aa4-e6a4-470a-9ef3-66660d21f8ef')).toEqual({ id: '01d29aa4-e6a4-470a-9ef3-66660d21f8ef' });
    expect(new RouteTemplate('codes/{code:regex(^\\d{{3}}$)}').match('codes/123')).toEqual({ code: '123' });
    expect(new RouteTemplate('codes/{code:regex(^\\d{{3}}$)}').match('codes/1234')).toBeUndefined();
  });

  test('a catch-all parameter takes the rest of the path', () => {
    const route = new RouteTemplate('files/{*path}');
    expect(route.match('files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
    expect(route.match('files')).toEqual({});
  });

  test('a complex segment splits on its literals', () => {
    expect(new RouteTemplate('exports/{name}.{ext}').match('exports/report.csv')).toEqual({ name: 'report', ext: 'csv' });
  });

  test('malformed templates are refused with a message naming the template', () => {
    expect(() => new RouteTemplate('files/{*path}/more')).toThrow(RouteTemplateError);
    expect(() => new RouteTemplate('items/{id')).toThrow(/items\/\{id/);
    expect(() => new RouteTemplate('items/{a}{b}')).toThrow(RouteTemplateError);
  });
});

describe('the HTTP route table', () => {
  // The Functions host tries routes in the order of their functions' names (case-insensitive), first match wins,
  // whatever ASP.NET Core's precedence would say: see httpRouteTable.ts for the host's source.
  test('routes are tried in the order of their function names, so a parameter can shadow a literal, as in Azure', () => {
    const shadowed = new HttpRouteTable<string>();
    shadowed.add('getItem', 'items/{id}', ['GET'], 'get-one');
    shadowed.add('listRecent', 'items/recent', ['GET'], 'list-recent');
    expect(shadowed.match('GET', 'items/recent')).toMatchObject({ target: 'get-one', params: { id: 'recent' } });

    // Registered the other way round, or the literal's function named first: the order of the names decides.
    const first = new HttpRouteTable<string>();
    first.add('viewItem', 'items/{id}', ['GET'], 'get-one');
    first.add('recentItems', 'items/recent', ['GET'], 'list-recent');
    expect(first.match('GET', 'items/recent')?.target).toBe('list-recent');
    expect(first.match('GET', 'items/abc')).toMatchObject({ target: 'get-one', params: { id: 'abc' } });
  });

  test('names compare as .NET OrdinalIgnoreCase does: case aside, digits and - before letters, _ after them', () => {
    const byName = (names: readonly string[]) => {
      const table = new HttpRouteTable<string>();
      for (const name of names) table.add(name, 'shared/{value}', ['GET'], name);
      return table.match('GET', 'shared/x')?.target;
    };
    expect(byName(['itemB', 'ITEMa'])).toBe('ITEMa');
    expect(byName(['item_a', 'itemz'])).toBe('itemz');
    expect(byName(['itemA', 'item-a', 'item9'])).toBe('item-a');
    expect(byName(['itemA', 'item9'])).toBe('item9');
  });

  test('a route whose methods exclude the request is passed over for the next one that matches', () => {
    const table = new HttpRouteTable<string>();
    table.add('aApprove', 'requests/{id}', ['POST'], 'approve');
    table.add('bRead', 'requests/{id}', ['GET'], 'read');
    expect(table.match('GET', 'requests/7')?.target).toBe('read');
    expect(table.match('POST', 'requests/7')?.target).toBe('approve');
  });

  test('functions sharing a route are told apart by method, and a route without methods takes every method', () => {
    const table = new HttpRouteTable<string>();
    table.add('list', 'compute-requests', ['get'], 'list');
    table.add('create', 'compute-requests', ['POST'], 'create');
    table.add('health', 'health', undefined, 'health');
    expect(table.match('POST', 'compute-requests')?.target).toBe('create');
    expect(table.match('get', 'compute-requests')?.target).toBe('list');
    expect(table.match('DELETE', 'compute-requests')).toBeUndefined();
    expect(table.match('PATCH', 'health')?.target).toBe('health');
  });
});
