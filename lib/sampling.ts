// Sampling math: what a rule records at a request rate and what that costs (priorities: lib/sampling-rules.ts).
import { SAMPLING_RULE_QUOTA, SAMPLING_RULE_WARNING } from './config.js';

/** X-Ray pricing (us-east-1 list price). */
export const XRAY_PRICE_PER_MILLION_RECORDED = 5.0;
export const XRAY_PRICE_PER_MILLION_RETRIEVED = 0.5;
export const XRAY_FREE_RECORDED_PER_MONTH = 100_000;
export const XRAY_FREE_RETRIEVED_PER_MONTH = 1_000_000;
export const SECONDS_PER_MONTH = 30 * 24 * 3600;
/** The request rate the estimates assume when the user gives none. */
export const DEFAULT_EXPECTED_RPS = 10;

export interface Rule {
  reservoir: number;
  fixedRate: number;
}

/** Traces a second a rule records: the reservoir first, then the fixed rate of what is left. */
export function tracesPerSecond(rule: Rule, requestsPerSecond: number): number {
  const reserved = Math.min(requestsPerSecond, rule.reservoir);
  return reserved + (requestsPerSecond - reserved) * rule.fixedRate;
}

export interface CostEstimate {
  expectedRps: number;
  tracesPerMonth: number;
  billableTraces: number;
  monthlyCostUsd: string;
  /** The two counts as written for people: 3,758,400. */
  tracesPerMonthText: string;
  billableTracesText: string;
}

/** 3758400 -> "3,758,400", as toLocaleString('en-US') writes it, without the ~25 ms of loading ICU's number formats. */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Monthly traces a rule records at a request rate, and what they cost after the free tier. */
export function estimateRule(rule: Rule, expectedRps: number): CostEstimate {
  const tracesPerMonth = Math.round(tracesPerSecond(rule, expectedRps) * SECONDS_PER_MONTH);
  const billableTraces = Math.max(0, tracesPerMonth - XRAY_FREE_RECORDED_PER_MONTH);
  const cost = (billableTraces / 1_000_000) * XRAY_PRICE_PER_MILLION_RECORDED;
  return {
    expectedRps,
    tracesPerMonth,
    billableTraces,
    monthlyCostUsd: cost.toFixed(2),
    tracesPerMonthText: formatCount(tracesPerMonth),
    billableTracesText: formatCount(billableTraces),
  };
}

export function describeEstimate(what: string, estimate: CostEstimate): string {
  const traces = estimate.tracesPerMonthText;
  return (
    `${what}: at ${estimate.expectedRps} requests/s, about ${traces} traces a month, ` +
    `$${estimate.monthlyCostUsd} a month after X-Ray's 100,000 free traces ` +
    `($${XRAY_PRICE_PER_MILLION_RECORDED.toFixed(2)} per million recorded).`
  );
}

/** Warnings a user should see before adding a rule. */
export function samplingWarnings(customRuleCount: number, apiTracing: boolean): string[] {
  const warnings: string[] = [];
  if (customRuleCount >= SAMPLING_RULE_WARNING) {
    // The same numbers and words as the Terraform check "sampling_rule_quota" (templates/terraform/sampling.tf.ejs).
    warnings.push(
      `This project now has ${customRuleCount} X-Ray sampling rules, ${SAMPLING_RULE_WARNING} or more: X-Ray allows ${SAMPLING_RULE_QUOTA} custom rules per region by default, ` +
        'shared by every project in the account. Ask for a quota increase, or drop rules from endpoints that can share the API default rule.',
    );
  }
  if (!apiTracing) {
    warnings.push(
      'Stage tracing is off: API Gateway makes the sampling decision and Lambda follows it, so per-endpoint sampling rules never act until stage tracing is on (variable api_tracing_enabled).',
    );
  }
  return warnings;
}
