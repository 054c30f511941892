// The order of sampling rules by what they match (traced-api-devkit's contract/rule-order.ts, shared with the
// generated projects), and the endpoint generator's plan of priorities (lib/sampling-rules.ts).
import { describe, expect, it } from 'vitest';
import type { HttpMethod } from '../lib/config.js';
import type { Operation } from '../lib/openapi.js';
import { covers, describeHidden, hiddenRules, matchesRequestOf, renumber, urlPathFor, type OrderedRule } from 'traced-api-devkit';
import { parseDocument } from 'yaml';
import { apiDefaultRule, applyMoves, planPriorities, URL_PATH_LIMIT } from '../lib/sampling-rules.js';

const rule = (ruleName: string, route: string, priority: number, chosenByGenerator = true, method = 'GET'): OrderedRule => ({
  ruleName,
  method,
  urlPath: urlPathFor(route),
  priority,
  chosenByGenerator,
});
const apiDefault = apiDefaultRule('api--default', 9000);
const api = { defaultRule: apiDefault, stage: 'dev' };
const priorities = (rules: OrderedRule[]) => Object.fromEntries(rules.map((r) => [r.ruleName, r.priority]));

describe('covers (A matches everything B matches)', () => {
  it.each([
    ['*/orders/*', '*/orders/*/items', true],
    ['*/orders/*/items', '*/orders/*', false],
    ['*/orders/*', '*/customers/*/orders/*', true],
    ['*', '*/orders', true],
    ['*/orders', '*/orders', true],
    ['*/orders/*', '*/orders', false],
    ['*/*', '*/orders', true],
    ['*/orders', '*/*', false],
    ['*/orders/*/items', '*/*/items', false],
  ])('%s covers %s: %s', (a, b, expected) => {
    expect(covers(a, b)).toBe(expected);
  });
});

describe('matchesRequestOf (a concrete request of the route, with or without the stage prefix)', () => {
  it.each([
    ['*/orders/*', '*/orders/*/items', true], // /dev/orders/1/items
    ['*/orders/*', '*/customers/*/orders/*', true], // /customers/1/orders/2
    ['*/orders/*/items', '*/orders', false],
    ['*/customers/*/orders/*', '*/orders/*', false], // a stage prefix is one segment: no "customers" before it
    ['*/orders', '*/orders/*', true], // /dev/orders/orders: the order id may be "orders"
    ['*/orders/*/items', '*/customers', false],
  ])('%s matches a request of %s: %s', (pattern, route, expected) => {
    expect(matchesRequestOf(pattern, route)).toBe(expected);
  });

  it('with the stage known, reads its name as the prefix, not any segment', () => {
    // /customers/orders/1: GET /orders/{id} on a stage named "customers", or GET /customers/{id} without the stage.
    expect(matchesRequestOf('*/customers/*', '*/orders/*')).toBe(true);
    expect(matchesRequestOf('*/customers/*', '*/orders/*', 'dev')).toBe(false);
    expect(matchesRequestOf('*/customers/*', '*/orders/*', 'customers')).toBe(true);
  });
});

describe('hiddenRules', () => {
  it('finds the broad rule ahead of the narrower one, of the same method only', () => {
    const hidden = hiddenRules([rule('id', '/orders/{id}', 101), rule('items', '/orders/{id}/items', 102)]);
    expect(hidden.map((h) => [h.by.ruleName, h.hidden.ruleName])).toEqual([['id', 'items']]);
    expect(hiddenRules([rule('id', '/orders/{id}', 101, true, 'DELETE'), rule('items', '/orders/{id}/items', 102)])).toEqual([]);
  });

  it('finds the API default rule ahead of an endpoint rule', () => {
    expect(hiddenRules([rule('id', '/orders/{id}', 9500), apiDefault]).map((h) => h.by.ruleName)).toEqual(['api--default']);
  });

  it('leaves a literal route ahead of a parameter in the same place (API Gateway routes such a request to the literal)', () => {
    expect(hiddenRules([rule('orders', '/orders', 100), rule('any', '/{id}', 101), apiDefault])).toEqual([]);
  });
});

describe('renumber', () => {
  it('puts narrower rules first and keeps the others in their present order', () => {
    const { rules, hidden } = renumber([
      rule('post', '/orders', 100, true, 'POST'),
      rule('id', '/orders/{id}', 101),
      rule('items', '/orders/{id}/items', Number.POSITIVE_INFINITY),
      apiDefault,
    ]);
    expect(priorities(rules)).toEqual({ post: 100, items: 101, id: 102, 'api--default': 9000 });
    expect(hidden).toEqual([]);
  });

  it("keeps the user's priorities and places the generator's around them", () => {
    const { rules, hidden } = renumber([rule('id', '/orders/{id}', 100, false), rule('items', '/orders/{id}/items', Number.POSITIVE_INFINITY), apiDefault]);
    expect(priorities(rules)).toEqual({ id: 100, items: 99, 'api--default': 9000 });
    expect(hidden).toEqual([]);
  });

  it("leaves room below a user's priority for the generator's rules that must follow the one it places there", () => {
    // Both must precede the user's 99; the new, longer route must also precede createOrder's.
    const { rules, hidden } = renumber([
      rule('user', '/{p0}/{p1}/{p2}', 99, false, 'POST'),
      rule('create', '/orders', 98, true, 'POST'),
      rule('added', '/orders/{p1}/{p2}', Number.POSITIVE_INFINITY, true, 'POST'),
      apiDefault,
    ], { stage: 'k4629' });
    expect(priorities(rules)).toEqual({ user: 99, added: 97, create: 98, 'api--default': 9000 });
    expect(hidden).toEqual([]);
  });

  it('reports what it cannot fix: two user priorities in the wrong order', () => {
    const { hidden } = renumber([rule('id', '/orders/{id}', 100, false), rule('items', '/orders/{id}/items', 200, false), apiDefault]);
    expect(hidden.map((h) => [h.by.ruleName, h.hidden.ruleName])).toEqual([['id', 'items']]);
  });
});

const op = (method: HttpMethod, path: string, priority: number, chosen = true): Operation => ({
  method,
  path,
  operationId: `${method}${path}`,
  sampling: { ruleName: `${method} ${path}`, priority, reservoirSize: 1, fixedRate: 0.05, ...(chosen ? { generatorPriority: priority } : {}) },
});

describe('planPriorities', () => {
  it('places a new narrower route in a free number ahead of the broader one, moving nothing', () => {
    const plan = planPriorities([op('POST', '/orders', 100), op('GET', '/orders/{id}', 101)], { method: 'GET', path: '/orders/{id}/items', ruleName: 'new' }, api);
    expect(plan).toEqual({ priority: 99, chosenByGenerator: true, moves: [], alreadyHidden: [] });
  });

  it('moves the generator-chosen priorities a new narrower route must go ahead of when no free number fits', () => {
    // The new route must follow the user's 100 (narrower) and precede the generator's 101: no number between.
    const operations = [op('GET', '/orders/{id}/items/{itemId}', 100, false), op('GET', '/orders/{id}', 101)];
    const plan = planPriorities(operations, { method: 'GET', path: '/orders/{id}/items', ruleName: 'new' }, api);
    expect(plan).toMatchObject({ priority: 101, chosenByGenerator: true, moves: [{ path: '/orders/{id}', from: 101, priority: 102 }], alreadyHidden: [] });
  });

  it('treats a priority edited by hand (no longer its generatorPriority) as the user\'s', () => {
    const edited = op('GET', '/orders/{id}', 300);
    edited.sampling!.generatorPriority = 101;
    const plan = planPriorities([edited], { method: 'GET', path: '/orders/{id}/items', ruleName: 'new' }, api);
    expect(plan).toMatchObject({ priority: 100, moves: [] });
  });

  it('refuses a --priority that hides a route, naming both rules and a priority that works', () => {
    const operations = [op('GET', '/orders/{id}', 150, false)];
    expect(() => planPriorities(operations, { method: 'GET', path: '/orders/{id}/items', ruleName: 'new', priority: 170 }, api)).toThrow(
      /--priority 170 would hide a route from its own rule: sampling rule GET \/orders\/\{id\} \(GET \*\/orders\/\*, priority 150\) comes before new .*Use --priority 149,/,
    );
    expect(() => planPriorities([], { method: 'GET', path: '/{id}', ruleName: 'new', priority: 9500 }, api)).toThrow(/api--default .* Use --priority 8999/);
  });

  it(`refuses a route whose url_path would pass X-Ray's ${URL_PATH_LIMIT} characters`, () => {
    const path = `/${'a'.repeat(URL_PATH_LIMIT - 1)}`;
    expect(() => planPriorities([], { method: 'GET', path: path.slice(0, -1), ruleName: 'new' }, api)).not.toThrow();
    expect(() => planPriorities([], { method: 'GET', path, ruleName: 'new' }, api)).toThrow(
      new RegExp(`url_path "\\*/a+", 129 characters; X-Ray allows at most 128\\. Choose a path of at most 127 characters`),
    );
  });
});

describe('planPriorities on a document with a path item written as a YAML alias', () => {
  it('counts a rule that two operations share once, so it moves nothing for it', () => {
    const orders = op('POST', '/orders', 100);
    const copy = { ...orders, path: '/orders-copy' };
    const plan = planPriorities([orders, copy], { method: 'GET', path: '/orders-copy', ruleName: 'new' }, api);
    expect(plan).toMatchObject({ priority: 101, moves: [] });
  });
});

describe('applyMoves', () => {
  it('edits a moved rule where its anchor is, never through an alias', () => {
    const doc = parseDocument(
      [
        'openapi: 3.0.3',
        'paths:',
        '  /orders: &orders',
        '    post:',
        '      x-traced-api:',
        '        sampling: { ruleName: r, priority: 100, generatorPriority: 100 } # kept',
        '  /orders-copy: *orders',
        '',
      ].join('\n'),
    );
    applyMoves(doc, [
      { method: 'POST', path: '/orders', operationId: 'a', from: 100, priority: 102 },
      { method: 'POST', path: '/orders-copy', operationId: 'a', from: 100, priority: 102 },
    ]);
    const text = doc.toString();
    expect(text).toContain('sampling: { ruleName: r, priority: 102, generatorPriority: 102 } # kept');
    expect(text).toContain('  /orders-copy: *orders\n');
  });
});

describe('renumber below a user priority under the first number', () => {
  it('leaves room for a chain of the generator\'s rules that must all come before it', () => {
    // /{p0} is the user's, at 10; /v1/orders and then /v1/{p1} must both come before it, /v1/orders first.
    const user = rule('any', '/{p0}', 10, false);
    const first = renumber([user, rule('orders', '/v1/orders', Number.POSITIVE_INFINITY)], { stage: '__' });
    const placedOrders = first.rules.find((r) => r.ruleName === 'orders')!;
    const { rules, hidden } = renumber([user, placedOrders, rule('v1', '/v1/{p1}', Number.POSITIVE_INFINITY)], { stage: '__' });
    expect(hidden.map(describeHidden)).toEqual([]);
    const p = priorities(rules);
    expect(p.orders).toBeLessThan(p.v1!);
    expect(p.v1).toBeLessThan(10);
  });
});
