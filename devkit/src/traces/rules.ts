// `npm run traces -- --rules`: whether each sampling rule of the project acts once deployed. For each operation's
// own rule and the API default rule: what the OpenAPI document and terraform/variables.tf say, what the account
// holds (GetSamplingRules: missing, differing, or as deployed) and the recent statistics X-Ray keeps per rule
// (GetSamplingStatisticSummaries: requests matched, sampled, borrowed).
import { forTerminal } from '../terminal/text.js';
import path from 'node:path';
import {
  GetSamplingRulesCommand,
  GetSamplingStatisticSummariesCommand,
  type GetSamplingRulesResult,
  type GetSamplingStatisticSummariesResult,
  type SamplingRule,
} from '@aws-sdk/client-xray';
import { xrayServiceName, type ProjectSettings } from '../contract/project.js';
import { readRoutes, urlPathPattern } from '../contract/routes.js';
import { pages, type XRay } from './xray-calls.js';

/** X-Ray's default quota of custom sampling rules per region. */
const RULE_QUOTA = 25;

/** A rule as the project deploys it (terraform/sampling.tf). */
export interface ExpectedRule {
  ruleName: string;
  /** "POST /orders", or "API default" for the rule that samples every operation without its own. */
  covers: string;
  priority: number;
  reservoirSize: number;
  fixedRate: number;
  serviceName: string;
  serviceType: string;
  httpMethod: string;
  urlPath: string;
}

export interface RuleStatistics {
  matched: number;
  sampled: number;
  borrowed: number;
}

export interface RuleCheck {
  expected: ExpectedRule;
  /** `missing`: no rule of that name in the account; `differs`: deployed with other settings. */
  account: 'missing' | 'differs' | 'as deployed';
  differences: string[];
  statistics: RuleStatistics;
  /** Matched no request while other rules of the API matched some. */
  noTraffic: boolean;
}

export interface RulesReport {
  checks: RuleCheck[];
  /** The span of the statistics X-Ray returned, when it returned any. */
  statisticsFrom?: Date;
  statisticsTo?: Date;
  /** Custom rules in the account and region (all of them, not only the project's). */
  customRulesInAccount: number;
  /** Paging stopped early (a repeated NextToken or the page bound): the answer may be partial. */
  partial: boolean;
}

/** The project's rules: each operation's own (x-traced-api.sampling) and the API default rule (terraform/variables.tf). */
export function expectedRules(root: string, project: ProjectSettings): ExpectedRule[] {
  const serviceName = xrayServiceName(project);
  const common = { serviceName, serviceType: 'AWS::ApiGateway::Stage' };
  const { operations } = readRoutes(path.join(root, 'openapi', 'openapi.yaml'), project.namePrefix);
  const own = operations.flatMap((operation) =>
    operation.sampling
      ? [
          {
            ...common,
            ruleName: operation.sampling.ruleName,
            covers: `${operation.method} ${operation.path}`,
            priority: operation.sampling.priority,
            reservoirSize: operation.sampling.reservoirSize,
            fixedRate: operation.sampling.fixedRate,
            httpMethod: operation.method,
            urlPath: urlPathPattern(operation.path),
          },
        ]
      : [],
  );
  const { defaultRule } = project;
  return [...own, { ...common, ...defaultRule, covers: 'API default', httpMethod: '*', urlPath: '*' }];
}

function compare(expected: ExpectedRule, deployed: SamplingRule): string[] {
  const fields: [string, unknown, unknown][] = [
    ['priority', expected.priority, deployed.Priority],
    ['reservoir', expected.reservoirSize, deployed.ReservoirSize],
    ['fixed rate', expected.fixedRate, deployed.FixedRate],
    ['service name', expected.serviceName, deployed.ServiceName],
    ['service type', expected.serviceType, deployed.ServiceType],
    ['HTTP method', expected.httpMethod, deployed.HTTPMethod],
    ['URL path', expected.urlPath, deployed.URLPath],
  ];
  return fields.filter(([, want, have]) => want !== have).map(([name, want, have]) => `${name} ${String(have ?? 'unset')} (the project says ${String(want)})`);
}

export async function checkRules(xray: XRay, expected: ExpectedRule[]): Promise<RulesReport> {
  let partial = false;
  const onStop = () => (partial = true);
  const deployed = new Map<string, SamplingRule>();
  const fetchRules = (nextToken: string | undefined) => xray.send<GetSamplingRulesResult>('GetSamplingRules', new GetSamplingRulesCommand({ NextToken: nextToken }));
  for await (const page of pages(fetchRules, { onStop })) {
    for (const record of page.SamplingRuleRecords ?? []) if (record.SamplingRule?.RuleName) deployed.set(record.SamplingRule.RuleName, record.SamplingRule);
  }
  const statistics = new Map<string, RuleStatistics>();
  let from: number | undefined;
  let to: number | undefined;
  const fetchStatistics = (nextToken: string | undefined) =>
    xray.send<GetSamplingStatisticSummariesResult>('GetSamplingStatisticSummaries', new GetSamplingStatisticSummariesCommand({ NextToken: nextToken }));
  for await (const page of pages(fetchStatistics, { onStop })) {
    for (const summary of page.SamplingStatisticSummaries ?? []) {
      if (!summary.RuleName) continue;
      const sums = statistics.get(summary.RuleName) ?? { matched: 0, sampled: 0, borrowed: 0 };
      sums.matched += summary.RequestCount ?? 0;
      sums.sampled += summary.SampledCount ?? 0;
      sums.borrowed += summary.BorrowCount ?? 0;
      statistics.set(summary.RuleName, sums);
      const time = summary.Timestamp?.getTime();
      if (time !== undefined) {
        from = Math.min(from ?? time, time);
        // Each summary covers the 10 seconds from its timestamp.
        to = Math.max(to ?? time, time + 10_000);
      }
    }
  }
  const checks: RuleCheck[] = expected.map((rule) => {
    const found = deployed.get(rule.ruleName);
    const differences = found ? compare(rule, found) : [];
    return {
      expected: rule,
      account: !found ? 'missing' : differences.length > 0 ? 'differs' : 'as deployed',
      differences,
      statistics: statistics.get(rule.ruleName) ?? { matched: 0, sampled: 0, borrowed: 0 },
      noTraffic: false,
    };
  });
  const apiMatched = checks.reduce((sum, check) => sum + check.statistics.matched, 0);
  for (const check of checks) check.noTraffic = check.account !== 'missing' && check.statistics.matched === 0 && apiMatched > 0;
  const customRulesInAccount = [...deployed.keys()].filter((name) => name !== 'Default').length;
  return {
    checks,
    ...(from !== undefined ? { statisticsFrom: new Date(from), statisticsTo: new Date(to!) } : {}),
    customRulesInAccount,
    partial,
  };
}

const time = (date: Date) => date.toISOString().slice(11, 19);

/** The report as lines: a table, then one line per problem, each saying what to do. */
export function formatRulesReport(report: RulesReport, { project, region }: { project: ProjectSettings; region: string }): string[] {
  const lines: string[] = [];
  const service = xrayServiceName(project);
  const window = report.statisticsFrom ? `${time(report.statisticsFrom)}-${time(report.statisticsTo!)} UTC` : 'none recent';
  lines.push(`Sampling rules of ${service} in ${region}: as the project says (openapi/openapi.yaml, terraform/variables.tf), as the account holds them`);
  lines.push(`(GetSamplingRules), and their recent statistics (GetSamplingStatisticSummaries: ${window}).`);
  if (!project.apiTracing) {
    lines.push('Stage tracing is off (api_tracing_enabled = false): API Gateway makes no sampling decision, so these rules sample nothing; Lambda ignores them.');
  }
  lines.push('');
  const header = ['rule', 'for', 'priority', 'reservoir', 'rate', 'account', 'matched', 'sampled', 'borrowed'];
  const rows = report.checks.map((check) => {
    const { expected, statistics } = check;
    const missing = check.account === 'missing';
    return [
      forTerminal(expected.ruleName, 64),
      forTerminal(expected.covers, 120),
      String(expected.priority),
      `${expected.reservoirSize}/s`,
      String(expected.fixedRate),
      check.account === 'as deployed' ? 'as deployed' : check.account.toUpperCase(),
      missing ? '-' : String(statistics.matched),
      missing ? '-' : String(statistics.sampled),
      missing ? '-' : String(statistics.borrowed),
    ];
  });
  const widths = header.map((_, column) => [header, ...rows].reduce((max, row) => Math.max(max, row[column]!.length), 0));
  const numeric = new Set([2, 6, 7, 8]);
  const format = (row: string[]) =>
    row
      .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  lines.push(`  ${format(header)}`);
  for (const row of rows) lines.push(`  ${format(row)}`);
  lines.push('');
  const apiMatched = report.checks.reduce((sum, check) => sum + check.statistics.matched, 0);
  for (const check of report.checks) {
    const [ruleName, covers] = [forTerminal(check.expected.ruleName, 64), forTerminal(check.expected.covers, 120)];
    if (check.account === 'missing') lines.push(`! ${ruleName} (${covers}) is not in the account (${region}): run npm run deploy (terraform apply creates it).`);
    if (check.account === 'differs') lines.push(`! ${ruleName} (${covers}) is deployed with ${check.differences.join(', ')}: run npm run deploy to apply the project's settings, or someone changed it in the console.`);
    if (check.noTraffic) {
      lines.push(
        `! ${ruleName} (${covers}) matched no request while the API's other rules matched ${apiMatched}: ${check.expected.covers === 'API default' ? 'every request reached an operation\'s own rule' : `a rule with a lower priority number may take its requests, or nobody called ${covers}`}.`,
      );
    }
  }
  if (apiMatched === 0 && report.checks.some((check) => check.account !== 'missing')) {
    lines.push('No rule of the API matched a request in the statistics X-Ray holds (the last few minutes): send a few requests to the deployed API and run this again.');
  }
  if (report.customRulesInAccount >= RULE_QUOTA - 3) {
    lines.push(`The account holds ${report.customRulesInAccount} custom sampling rules in ${region}; X-Ray allows ${RULE_QUOTA} by default.`);
  }
  if (report.partial) lines.push('X-Ray kept paging (a repeated NextToken, or more pages than read): the rules or statistics above may be partial.');
  const problems = report.checks.filter((check) => check.account !== 'as deployed').length;
  lines.push(problems === 0 ? `All ${report.checks.length} rules are deployed as the project says.` : `${problems} of ${report.checks.length} rules are not deployed as the project says.`);
  return lines;
}
