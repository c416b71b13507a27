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
  test('a literal segment wins over a parameter whatever the registration order', () => {
    const table = new HttpRouteTable<string>();
    table.add('compute-requests/{id}', ['GET'], 'get-one');
    table.add('compute-requests/pending', ['GET'], 'list-pending');
    expect(table.match('GET', 'compute-requests/pending')?.target).toBe('list-pending');
    expect(table.match('GET', 'compute-requests/abc')).toMatchObject({ target: 'get-one', params: { id: 'abc' } });
  });

  test('functions sharing a route are told apart by method, and a route without methods takes every method', () => {
    const table = new HttpRouteTable<string>();
    table.add('compute-requests', ['get'], 'list');
    table.add('compute-requests', ['POST'], 'create');
    table.add('health', undefined, 'health');
    expect(table.match('POST', 'compute-requests')?.target).toBe('create');
    expect(table.match('get', 'compute-requests')?.target).toBe('list');
    expect(table.match('DELETE', 'compute-requests')).toBeUndefined();
    expect(table.match('PATCH', 'health')?.target).toBe('health');
  });
});
