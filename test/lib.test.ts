import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitName, functionName, operationIdFor, projectNames, samplingRuleName, samplingUrlPath } from '../lib/names.js';
import { parseMethod, parsePath, parsePriority, parseProjectName, parseRate, parseReservoir, parseTracingMode } from '../lib/validate.js';
import { SAMPLING_RULE_QUOTA, SAMPLING_RULE_WARNING } from '../lib/config.js';
import { costParagraph, estimateRule, projectEstimate, samplingWarnings, tracesPerSecond } from '../lib/sampling.js';
import { conflictingParameter } from '../lib/openapi.js';

describe('names', () => {
  it('derives the operationId from method and path', () => {
    expect(operationIdFor('GET', '/orders/{id}')).toBe('getOrdersById');
    expect(operationIdFor('get', '/orders/{orderId}/items')).toBe('getOrdersByOrderIdItems');
    expect(operationIdFor('DELETE', '/order-lines/{line_id}')).toBe('deleteOrderLinesByLineId');
    expect(operationIdFor('GET', '/')).toBe('getRoot');
  });

  it('keeps names that fit and shortens long ones with a stable hash', () => {
    expect(fitName('orders-api-dev-getOrders', 32)).toBe('orders-api-dev-getOrders');
    const long = fitName('a'.repeat(40) + '-dev-getOrdersByOrderIdItems', 32);
    expect(long).toHaveLength(32);
    expect(long).toMatch(/^a+-[0-9a-f]{8}$/);
    expect(fitName('a'.repeat(40) + '-dev-getOrdersByOrderIdItems', 32)).toBe(long);
    expect(fitName('a'.repeat(40) + '-dev-getOrdersByOrderIdItemz', 32)).not.toBe(long);
  });

  it('fits every AWS name of the longest project and operation names', () => {
    const names = projectNames('x'.repeat(40), 'y'.repeat(20));
    expect(names.role.length).toBeLessThanOrEqual(64);
    expect(names.defaultRule.length).toBeLessThanOrEqual(32);
    const op = 'o'.repeat(64);
    expect(functionName(names.prefix, op).length).toBeLessThanOrEqual(64);
    expect(samplingRuleName(names.prefix, op).length).toBeLessThanOrEqual(32);
    expect(samplingRuleName(names.prefix, op)).not.toBe(names.defaultRule);
  });

  it('writes the url_path so that the stage prefix and path parameters match', () => {
    expect(samplingUrlPath('/orders/{orderId}/items')).toBe('*/orders/*/items');
    expect(samplingUrlPath('/orders')).toBe('*/orders');
  });
});

describe('validation', () => {
  it('accepts rates as fractions and percentages, always returning a fraction', () => {
    expect(parseRate('0.05')).toBe(0.05);
    expect(parseRate('5%')).toBe(0.05);
    expect(parseRate('10%')).toBe(0.1);
    expect(parseRate(1)).toBe(1);
    expect(parseRate('100%')).toBe(1);
    expect(parseRate('0')).toBe(0);
  });

  it.each(['1.5', '150%', '-0.1', 'abc', '', '5%%'])('rejects the rate %j naming it and what is allowed', (rate) => {
    expect(() => parseRate(rate)).toThrow(new RegExp(`Fixed rate "${rate.replace(/[%.]/g, (c) => `\\${c}`)}".*0 to 1`));
  });

  it('rejects priorities outside 1-9999 and negative or fractional reservoirs', () => {
    expect(() => parsePriority('0')).toThrow(/Priority "0".*1 to 9999/);
    expect(() => parsePriority('10000')).toThrow(/1 to 9999/);
    expect(parsePriority('42')).toBe(42);
    expect(() => parseReservoir('-1')).toThrow(/Reservoir "-1"/);
    expect(() => parseReservoir('1.5')).toThrow(/whole number/);
  });

  it('checks project names against their rule', () => {
    expect(parseProjectName('orders-api')).toBe('orders-api');
    for (const bad of ['Orders', 'orders_api', '', 'a'.repeat(41), '-orders', 'orders-']) {
      expect(() => parseProjectName(bad)).toThrow(/Project name .* 1-40 lowercase letters, digits and dashes/);
    }
  });

  it('normalises methods and tracing modes, and names the allowed values', () => {
    expect(parseMethod('get')).toBe('GET');
    expect(() => parseMethod('FETCH')).toThrow('Method "FETCH" is not allowed: use one of GET, POST, PUT, PATCH, DELETE.');
    expect(parseTracingMode('passthrough')).toBe('PassThrough');
  });

  it('parses routes and rejects broken ones', () => {
    expect(parsePath('/orders/{orderId}/items')).toEqual({ path: '/orders/{orderId}/items', pathParameters: ['orderId'] });
    const cases: [string, RegExp][] = [
      ['orders', /must start with "\/"/],
      ['/orders/{id', /unbalanced/],
      ['/orders/id}', /unbalanced/],
      ['/orders/{{id}}', /unbalanced/],
      ['/orders//items', /empty segment/],
      ['/orders/', /must not end with/],
      ['/orders/x{id}', /whole \{parameter\}/],
      ['/orders/{id}/items/{id}', /appears twice/],
    ];
    for (const [path, message] of cases) expect(() => parsePath(path), path).toThrow(message);
  });
});

describe('route conflicts', () => {
  it('finds differently named parameters at the same place', () => {
    expect(conflictingParameter('/orders/{id}', '/orders/{orderId}/items')).toEqual({ existing: 'id', added: 'orderId' });
    expect(conflictingParameter('/orders/{orderId}', '/orders/{orderId}/items')).toBeUndefined();
    expect(conflictingParameter('/orders/{id}', '/customers/{customerId}')).toBeUndefined();
    expect(conflictingParameter('/orders/latest', '/orders/{orderId}')).toBeUndefined();
  });
});

describe('sampling math', () => {
  it('records the reservoir first, then the fixed rate of the rest', () => {
    expect(tracesPerSecond({ reservoir: 1, fixedRate: 0.05 }, 10)).toBeCloseTo(1.45);
    expect(tracesPerSecond({ reservoir: 5, fixedRate: 0.5 }, 2)).toBe(2);
    expect(tracesPerSecond({ reservoir: 0, fixedRate: 0 }, 100)).toBe(0);
  });

  it('prices traces after the free tier', () => {
    const estimate = estimateRule({ reservoir: 1, fixedRate: 0.05 }, 10);
    expect(estimate.tracesPerMonth).toBe(3_758_400); // 1.45 traces/s * 2,592,000 s
    expect(estimate.billableTraces).toBe(3_658_400);
    expect(estimate.monthlyCostUsd).toBe('18.29');
    expect(estimateRule({ reservoir: 0, fixedRate: 0.01 }, 1).monthlyCostUsd).toBe('0.00');
  });

  it('warns near the rule quota, and says plainly what stage tracing off means in each tracing mode', () => {
    const traced = { apiTracing: true, tracingMode: 'Active' };
    expect(samplingWarnings(3, traced)).toEqual([]);
    expect(samplingWarnings(SAMPLING_RULE_WARNING - 1, traced)).toEqual([]);
    expect(samplingWarnings(SAMPLING_RULE_WARNING, traced)[0]).toMatch(/20 X-Ray sampling rules, 20 or more: X-Ray allows 25 custom rules per region.*--sampling-rule api/);
    const lambda = samplingWarnings(1, { apiTracing: false, tracingMode: 'Active' });
    expect(lambda).toHaveLength(1);
    expect(lambda[0]).toMatch(/^Stage tracing is off: API Gateway records nothing and makes no sampling decision, so the sampling rules here never act\. Each Lambda function \(tracing mode Active\) samples on its own/);
    const nothing = samplingWarnings(1, { apiTracing: false, tracingMode: 'PassThrough' });
    expect(nothing).toHaveLength(1);
    expect(nothing[0]).toMatch(/^Nothing will be traced: stage tracing is off, so API Gateway makes no sampling decision, and Lambda in PassThrough mode only follows/);
    // One reason, never two that contradict each other.
    expect(nothing[0]).not.toMatch(/makes the sampling decision/);
  });

  it('estimates no traces and no cost when nothing is traced, and Lambda\'s own sampling when only Lambda samples', () => {
    expect(projectEstimate({ apiTracing: false, tracingMode: 'PassThrough', reservoir: 1, fixedRate: 0.05 })).toBeUndefined();
    expect(costParagraph({ apiTracing: false, tracingMode: 'PassThrough', reservoir: 1, fixedRate: 0.05 })).toMatch(/nothing is traced.*costs nothing/);
    expect(projectEstimate({ apiTracing: false, tracingMode: 'Active', reservoir: 50, fixedRate: 1 })!.estimate.tracesPerMonthText).toBe('3,758,400');
    expect(projectEstimate({ apiTracing: true, tracingMode: 'PassThrough', reservoir: 50, fixedRate: 1 })!.estimate.tracesPerMonthText).toBe('25,920,000');
  });

  it('holds the Terraform quota check at the quota, with a variable of the same number as the generator\'s limit', () => {
    const sampling = readFileSync(new URL('../templates/terraform/sampling.tf.ejs', import.meta.url), 'utf8');
    const variables = readFileSync(new URL('../templates/terraform/variables.tf.ejs', import.meta.url), 'utf8');
    expect(sampling).toContain('condition     = local.sampling_rule_count <= var.sampling_rule_quota');
    expect(variables).toMatch(new RegExp(`variable "sampling_rule_quota" \\{[^}]*default     = ${SAMPLING_RULE_QUOTA}\n`));
  });
});
