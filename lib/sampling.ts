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

/** Who decides which requests are traced, from the two settings that decide it. */
export type WhoSamples = 'api-gateway' | 'lambda' | 'nobody';

export interface TracingSettings {
  apiTracing: boolean;
  tracingMode: string;
}

export function whoSamples({ apiTracing, tracingMode }: TracingSettings): WhoSamples {
  if (apiTracing) return 'api-gateway';
  return tracingMode === 'Active' ? 'lambda' : 'nobody';
}


/** How Lambda samples on its own (Active, no upstream decision): X-Ray's default, 1 request a second and 5% of the rest. */
export const LAMBDA_OWN_SAMPLING: Rule = { reservoir: 1, fixedRate: 0.05 };

/** What is traced and why, in one paragraph: the same words in the generator's output and the project's README. */
export function tracingStatement(settings: TracingSettings): string {
  switch (whoSamples(settings)) {
    case 'api-gateway':
      return `API Gateway makes the sampling decision (stage tracing is on), by this project's sampling rules, and Lambda (tracing mode ${settings.tracingMode}) follows it.`;
    case 'lambda':
      return (
        'Stage tracing is off: API Gateway records nothing and makes no sampling decision, so the sampling rules here never act. ' +
        "Each Lambda function (tracing mode Active) samples on its own instead: X-Ray's default, 1 request a second and 5% of the rest. " +
        'Turn stage tracing on (api_tracing_enabled in terraform/variables.tf) for the per-endpoint rules to act.'
      );
    case 'nobody':
      return (
        'Nothing will be traced: stage tracing is off, so API Gateway makes no sampling decision, and Lambda in PassThrough mode only follows ' +
        'a decision made before it, never sampling on its own. X-Ray records no trace and costs nothing. To trace, turn stage tracing on ' +
        '(api_tracing_enabled = true in terraform/variables.tf) or set tracing_mode = "Active".'
      );
  }
}

/** What the API records a month at `expectedRps`, by whoever samples it; undefined when nothing is traced. */
export function projectEstimate(settings: TracingSettings & Rule, expectedRps = DEFAULT_EXPECTED_RPS): { what: string; estimate: CostEstimate } | undefined {
  switch (whoSamples(settings)) {
    case 'api-gateway':
      return { what: 'X-Ray cost of the API default rule', estimate: estimateRule(settings, expectedRps) };
    case 'lambda':
      return { what: "X-Ray cost of Lambda's own sampling (1 request a second, then 5%)", estimate: estimateRule(LAMBDA_OWN_SAMPLING, expectedRps) };
    case 'nobody':
      return undefined;
  }
}

/** Warnings a user should see after adding a rule: the quota, and rules that cannot act. */
export function samplingWarnings(customRuleCount: number, settings: TracingSettings): string[] {
  const warnings: string[] = [];
  if (customRuleCount >= SAMPLING_RULE_WARNING) {
    // The same numbers as the Terraform check "sampling_rule_quota" (templates/terraform/sampling.tf.ejs).
    warnings.push(
      `This project now has ${customRuleCount} X-Ray sampling rules, ${SAMPLING_RULE_WARNING} or more: X-Ray allows ${SAMPLING_RULE_QUOTA} custom rules per region by default, ` +
        'shared by every project in the account. Ask for a quota increase, or add routes with --sampling-rule api so that the API default rule samples them.',
    );
  }
  if (!settings.apiTracing) warnings.push(tracingStatement(settings));
  return warnings;
}

/** The README's paragraph on what tracing costs this project (Markdown). */
export function costParagraph(settings: TracingSettings & Rule, expectedRps = DEFAULT_EXPECTED_RPS): string {
  const projected = projectEstimate(settings, expectedRps);
  if (!projected) return 'With these settings nothing is traced (see above): X-Ray records nothing and costs nothing.';
  const { estimate } = projected;
  const by =
    whoSamples(settings) === 'api-gateway'
      ? `under the API default rule (reservoir ${settings.reservoir}/s, fixed rate ${settings.fixedRate})`
      : "under Lambda's own sampling (1 request a second, then 5%; stage tracing is off)";
  return (
    `At ${estimate.expectedRps} requests a second ${by}, the API records about ${estimate.tracesPerMonthText} traces a month, of which ` +
    `${estimate.billableTracesText} are billable: about **$${estimate.monthlyCostUsd} a month** for recording. Lower the fixed rate of busy endpoints ` +
    'to spend less; the reservoir keeps a steady trickle of traces however low the rate goes.'
  );
}
