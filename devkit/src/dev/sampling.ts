// The sampling decision, made as X-Ray makes it for the API stage: the first rule (by priority) whose method
// and url_path match; that rule records up to reservoirSize requests each second, then fixedRate of the rest.
// With stage tracing off, API Gateway decides nothing: an Active function samples at Lambda's own default
// (1 request a second, then 5%), a PassThrough function records nothing.
import type { SamplingRule } from './routes.js';

export interface SamplingDecision {
  sampled: boolean;
  /** The rule that decided, or who did. */
  rule: string;
  reason: 'reservoir' | 'fixed rate' | 'upstream header' | 'PassThrough';
}

/** Lambda's own sampling when it gets no decision from upstream: one request a second, then 5%. */
export const LAMBDA_DEFAULT_RULE: SamplingRule = {
  ruleName: 'Lambda default',
  priority: 10000,
  reservoirSize: 1,
  fixedRate: 0.05,
  httpMethod: '*',
  urlPath: '*',
};

/** X-Ray's url_path and method patterns: * matches any characters, ? one character, case-sensitive. */
export function matchesPattern(pattern: string, text: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return regex.test(text);
}

/** One rule's counts over a 10-second window, as X-Ray keeps them (GetSamplingStatisticSummaries). */
export interface RuleWindow {
  ruleName: string;
  /** Epoch ms of the window's start. */
  start: number;
  requests: number;
  sampled: number;
}

/** The requests each rule matched and sampled, per 10-second window, for the last 10 minutes. */
export class SamplingCounts {
  private readonly windows: RuleWindow[] = [];

  count(ruleName: string, sampled: boolean, now: number): void {
    const start = now - (now % 10_000);
    let window = this.windows.find((candidate) => candidate.ruleName === ruleName && candidate.start === start);
    if (!window) this.windows.push((window = { ruleName, start, requests: 0, sampled: 0 }));
    window.requests += 1;
    if (sampled) window.sampled += 1;
    const oldest = start - 10 * 60_000;
    while (this.windows.length > 0 && this.windows[0]!.start < oldest) this.windows.shift();
  }

  recent(): RuleWindow[] {
    return this.windows.map((window) => ({ ...window }));
  }
}

export class Sampler {
  private readonly rules: SamplingRule[];
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly counts?: SamplingCounts;
  private readonly reservoirs = new Map<string, { second: number; taken: number }>();

  constructor(rules: SamplingRule[], random: () => number = Math.random, now: () => number = Date.now, counts?: SamplingCounts) {
    this.rules = rules;
    this.random = random;
    this.now = now;
    this.counts = counts;
  }

  /** The rule that applies to a request: `urlPath` is the path X-Ray sees, with the stage (/dev/orders/1). */
  ruleFor(method: string, urlPath: string): SamplingRule | undefined {
    return this.rules.find((rule) => matchesPattern(rule.httpMethod, method) && matchesPattern(rule.urlPath, urlPath));
  }

  decide(method: string, urlPath: string): SamplingDecision {
    const rule = this.ruleFor(method, urlPath);
    if (!rule) return { sampled: false, rule: 'no rule', reason: 'fixed rate' };
    const decision = this.draw(rule);
    this.counts?.count(rule.ruleName, decision.sampled, this.now());
    return decision;
  }

  private draw(rule: SamplingRule): SamplingDecision {
    const second = Math.floor(this.now() / 1000);
    const reservoir = this.reservoirs.get(rule.ruleName) ?? { second, taken: 0 };
    if (reservoir.second !== second) Object.assign(reservoir, { second, taken: 0 });
    this.reservoirs.set(rule.ruleName, reservoir);
    if (reservoir.taken < rule.reservoirSize) {
      reservoir.taken += 1;
      return { sampled: true, rule: rule.ruleName, reason: 'reservoir' };
    }
    return { sampled: this.random() < rule.fixedRate, rule: rule.ruleName, reason: 'fixed rate' };
  }
}
