// Declarative options: each is stated once (name, type, description, default, how it is parsed),
// and both the generators' --help and their prompts are built from that statement.
import { AUTH_TYPES, HTTP_METHODS, RUNTIMES, SAMPLING_RULE_CHOICES, SAMPLING_RULE_QUOTA, TRACERS, TRACING_MODES, type SamplingRuleChoice } from './config.js';
import { InputError } from './errors.js';
import { estimateRule } from './sampling.js';
import * as parse from './validate.js';

export interface OptionSpec<Values> {
  /** --kebab-case name on the command line. */
  name: string;
  /** camelCase key of the value. */
  key: keyof Values & string;
  type: 'string' | 'boolean';
  description: string;
  /** Help text for the default; the value itself comes from `default` (or `yesDefault` with --yes). */
  defaultText: string;
  /** The default, computed from the values gathered before it; undefined means "must be given or asked". */
  default: (values: Partial<Values>) => unknown;
  /** What a user sees when asked. */
  /** The value --yes takes where there is no default to ask with. */
  yesDefault?: unknown;
  message: string | ((values: Partial<Values>) => string);
  choices?: readonly string[];
  /** A line saying what each choice means, shown beside it when asked. */
  choiceMeanings?: Record<string, string>;
  /** Also a positional argument of the command. */
  argument?: boolean;
  /** A setting, not a question: taken from the option or its default, never asked. */
  neverAsked?: boolean;
  /** Only some answers make the value mean something; given otherwise, it is refused with `why`. */
  appliesWhen?: { test: (values: Partial<Values>) => boolean; why: string };
  parse: (value: unknown) => unknown;
  /** What a .yo-rc.json written before this option existed means by leaving it out. */
  storedDefault?: unknown;
}

export interface AppValues {
  name: string;
  description: string;
  region: string;
  stage: string;
  runtime: string;
  tracer: string;
  tracingMode: string;
  apiTracing: boolean;
  reservoir: number;
  fixedRate: number;
  sns: boolean;
  auth: string;
  transactionSearch: boolean;
}

export interface EndpointValues {
  method: string;
  path: string;
  name: string;
  samplingRuleLimit: number;
  samplingRule: SamplingRuleChoice;
  expectedRps: number;
  reservoir: number;
  fixedRate: number;
  priority: number;
  publish: boolean;
  auth: string;
}

/** What each kind of auth means, in a line: shown where the choice is made. */
export const AUTH_MEANINGS: Record<(typeof AUTH_TYPES)[number], string> = {
  none: 'anyone who has the URL may call it',
  'api-key': 'callers send an API key in the x-api-key header (Terraform makes the key and a usage plan with throttling and a quota)',
  iam: 'callers sign requests with AWS credentials (SigV4) allowed execute-api:Invoke (Terraform outputs that policy)',
};
const authDescription = AUTH_TYPES.map((auth) => `${auth}: ${AUTH_MEANINGS[auth]}`).join('; ');

/** What a few fixed rates would record and cost, so a user sees what a rate means before choosing it. */
function rateChoices(expectedRps: number, reservoir: number): string {
  const options = [0.01, 0.05, 0.25, 1].map((fixedRate) => {
    const estimate = estimateRule({ reservoir, fixedRate }, expectedRps);
    return `${fixedRate * 100}%: ${estimate.tracesPerMonthText} traces, $${estimate.monthlyCostUsd}`;
  });
  return `At ${expectedRps} requests/s and reservoir ${reservoir}, a month brings ${options.join('; ')}.`;
}

const bool = (what: string) => (value: unknown) => parse.parseBoolean(what, value);

export const appOptions: OptionSpec<AppValues>[] = [
  {
    name: 'name', key: 'name', type: 'string', argument: true,
    description: 'Project and API name: 1-40 lowercase letters, digits and dashes; the project is written to ./<name>/',
    defaultText: 'asked; my-api with --yes', default: () => undefined, yesDefault: 'my-api',
    message: 'Project and API name', parse: parse.parseProjectName,
  },
  {
    name: 'description', key: 'description', type: 'string',
    description: 'One line for package.json, README and the API',
    defaultText: 'generated from the name', default: (v) => `${v.name} - a traced serverless API`,
    message: 'One-line description', parse: parse.parseDescription,
  },
  {
    name: 'region', key: 'region', type: 'string', description: 'AWS region',
    defaultText: 'us-east-1', default: () => 'us-east-1', message: 'AWS region', parse: parse.parseRegion,
  },
  {
    name: 'stage', key: 'stage', type: 'string', description: 'API Gateway stage name',
    defaultText: 'dev', default: () => 'dev', message: 'API Gateway stage name', parse: parse.parseStage,
  },
  {
    name: 'runtime', key: 'runtime', type: 'string', description: `Lambda runtime: ${RUNTIMES.join(' or ')}`,
    defaultText: 'nodejs22.x', default: () => 'nodejs22.x', message: 'Lambda runtime', choices: RUNTIMES,
    parse: parse.parseRuntime,
  },
  {
    name: 'tracer', key: 'tracer', type: 'string', description: `How the functions are traced: ${TRACERS.join(' or ')}`,
    defaultText: 'xray-sdk', default: () => 'xray-sdk', message: 'How should the functions be traced?', choices: TRACERS,
    choiceMeanings: {
      'xray-sdk': 'the AWS X-Ray SDK (aws-xray-sdk-core): the article\'s way; in maintenance mode at AWS since 2026-02-25',
      otel: 'OpenTelemetry (AWS\'s recommended path): the same traces through the Lambda X-Ray daemon; safe with concurrent invocations',
    },
    storedDefault: 'xray-sdk', parse: parse.parseTracer,
  },
  {
    name: 'tracing-mode', key: 'tracingMode', type: 'string',
    description: `Lambda tracing_config mode: ${TRACING_MODES.join(' or ')}`,
    defaultText: 'Active', default: () => 'Active', choices: TRACING_MODES,
    message: 'Lambda tracing mode (Active: Lambda traces even without an upstream decision; PassThrough: only when API Gateway sampled)',
    parse: parse.parseTracingMode,
  },
  {
    name: 'api-tracing', key: 'apiTracing', type: 'boolean',
    description: 'API Gateway stage X-Ray tracing (xray_tracing_enabled); --no-api-tracing turns it off',
    defaultText: 'on', default: () => true,
    message: 'Turn on X-Ray tracing on the API Gateway stage? (sampling rules only act when it is on)',
    parse: bool('API tracing'),
  },
  {
    name: 'reservoir', key: 'reservoir', type: 'string',
    description: 'API default sampling rule: traces recorded per second before the fixed rate applies',
    defaultText: '1', default: () => 1, message: 'Default sampling rule: reservoir (traces per second)',
    parse: parse.parseReservoir,
  },
  {
    name: 'fixed-rate', key: 'fixedRate', type: 'string',
    description: 'API default sampling rule: share of requests beyond the reservoir, as 0.05 or 5%',
    defaultText: '0.05', default: () => 0.05, message: 'Default sampling rule: fixed rate beyond the reservoir (0.05 or 5%)',
    parse: (value) => parse.parseRate(value),
  },
  {
    name: 'sns', key: 'sns', type: 'boolean',
    description: 'An SNS topic that handlers publish to through an X-Ray captured client; --no-sns leaves it out',
    defaultText: 'on', default: () => true, message: 'Add an SNS topic that handlers publish to?', parse: bool('SNS'),
  },
  {
    name: 'auth', key: 'auth', type: 'string', description: `Who may call the API, as API Gateway enforces it. ${authDescription}`,
    defaultText: 'none', default: () => 'none', choices: AUTH_TYPES, storedDefault: 'none',
    choiceMeanings: AUTH_MEANINGS, message: 'Who may call the API?', parse: parse.parseAuth,
  },
  {
    name: 'transaction-search', key: 'transactionSearch', type: 'boolean',
    description: 'The bootstrap turns on CloudWatch Transaction Search in the account and region (segments to CloudWatch Logs, a share indexed); needs AWS provider >= 6.46',
    defaultText: 'off', default: () => false, storedDefault: false,
    message: 'Turn on CloudWatch Transaction Search in the account and region (from terraform/bootstrap; needs AWS provider 6)?',
    parse: bool('Transaction Search'),
  },
];

/** Settings of the route's own rule: they mean nothing when the API default rule samples it. */
const OWN_RULE = {
  test: (values: Partial<EndpointValues>) => values.samplingRule !== 'api',
  why: 'sets the route\'s own sampling rule, and with --sampling-rule api it has none (the API default rule samples it)',
};

export const endpointOptions: OptionSpec<EndpointValues>[] = [
  {
    name: 'method', key: 'method', type: 'string', argument: true,
    description: `HTTP method: ${HTTP_METHODS.join(', ')}`, defaultText: 'GET', default: () => 'GET',
    message: 'HTTP method', choices: HTTP_METHODS, parse: parse.parseMethod,
  },
  {
    name: 'path', key: 'path', type: 'string', argument: true,
    description: 'Route, OpenAPI style, e.g. /orders/{id}', defaultText: 'asked', default: () => undefined,
    message: 'Route, OpenAPI style (e.g. /orders/{id})', parse: (value) => parse.parsePath(value).path,
  },
  {
    name: 'name', key: 'name', type: 'string',
    description: 'operationId, also the handler name', defaultText: 'from method and path, e.g. getOrdersById',
    default: () => undefined, // filled by the generator from method and path
    message: 'operationId (also the handler name)', parse: parse.parseOperationId,
  },
  {
    name: 'sampling-rule-limit', key: 'samplingRuleLimit', type: 'string', neverAsked: true,
    description: `Most sampling rules this project may have, the API default rule included: past it a new route gets none of its own. X-Ray allows ${SAMPLING_RULE_QUOTA} per region by default; raise this after raising the quota`,
    defaultText: String(SAMPLING_RULE_QUOTA), default: () => SAMPLING_RULE_QUOTA,
    message: 'Most sampling rules in this project', parse: parse.parseRuleLimit,
  },
  {
    name: 'sampling-rule', key: 'samplingRule', type: 'string',
    description: "Which rule samples the route: own (a rule of its own, tunable) or api (the API default rule; no rule added, none of X-Ray's quota used)",
    defaultText: 'own, or api once the project has --sampling-rule-limit rules', default: () => undefined, // filled by the generator
    message: 'Sampling rule: one of its own (own), or the API default rule (api)?', choices: SAMPLING_RULE_CHOICES,
    parse: parse.parseSamplingRule,
  },
  {
    name: 'expected-rps', key: 'expectedRps', type: 'string', appliesWhen: OWN_RULE,
    description: 'Expected requests per second on this endpoint, for the trace count and cost estimate',
    defaultText: '10', default: () => undefined, // filled by the generator
    message: 'Expected requests per second (for the cost estimate)', parse: parse.parseExpectedRps,
  },
  {
    name: 'reservoir', key: 'reservoir', type: 'string', appliesWhen: OWN_RULE,
    description: "This endpoint's sampling rule: traces recorded per second before the fixed rate applies",
    defaultText: "the project's default", default: () => undefined,
    message: 'Sampling reservoir (traces per second)', parse: parse.parseReservoir,
  },
  {
    name: 'fixed-rate', key: 'fixedRate', type: 'string', appliesWhen: OWN_RULE,
    description: "This endpoint's sampling rule: share of requests beyond the reservoir, as 0.05 or 5%",
    defaultText: "the project's default", default: () => undefined,
    message: (v) => `Sampling fixed rate beyond the reservoir (0.05 or 5%). ${rateChoices(v.expectedRps ?? 0, v.reservoir ?? 0)}`,
    parse: (value) => parse.parseRate(value),
  },
  {
    name: 'priority', key: 'priority', type: 'string', appliesWhen: OWN_RULE,
    description: 'The sampling rule priority, 1-9999, lower wins', defaultText: 'chosen by what the rule matches: narrower routes first, all ahead of the API default rule',
    default: () => undefined, message: 'Sampling rule priority (1-9999, lower wins)', parse: parse.parsePriority,
  },
  {
    name: 'publish', key: 'publish', type: 'boolean',
    description: "The handler publishes to the project's SNS topic; --no-publish for one that does not",
    defaultText: 'on when the project has SNS', default: () => undefined,
    message: "Should the handler publish an event to the project's SNS topic?", parse: bool('Publish'),
  },
  {
    name: 'auth', key: 'auth', type: 'string', description: `Who may call this endpoint. ${authDescription}`,
    defaultText: "the project's (--auth of new)", default: () => undefined, choices: AUTH_TYPES,
    choiceMeanings: AUTH_MEANINGS, message: 'Who may call this endpoint?', parse: parse.parseAuth,
  },
];

/** Options every command takes besides its values; Yeoman's own (help, skip-install, skip-cache...) come with it. */
export const commandOptions = [
  { name: 'yes', alias: 'y', description: 'Take the default of every value not given; ask nothing' },
  { name: 'force', description: 'Overwrite files that already exist, without asking' },
  { name: 'dry-run', description: 'Print the files this would create or change, and write nothing' },
] as const;

/** Keys that Yeoman, yo and the app generator pass to a generator themselves: not typed by the user. */
const PASSED_BY_RUNNERS = new Set([
  'env', 'resolved', 'namespace', 'namespaceId', '_meta', 'sharedData', 'forwardErrorToEnvironment', 'skipLocalCache',
  'localConfigOnly', 'destinationRoot', 'help',
  // yo's own options (yo --help)
  'insight', 'color', 'localOnly', 'generators', 'version', 'environmentVersion', 'updateNotifier',
]);

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Edit distance between two option names. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The first option typed that the command does not know, as one line naming it and the closest real
 * one; undefined when every option is known. `typed` are the raw command-line words (the bin), `given`
 * the options a runner already parsed (yo, yeoman-test): both are checked.
 */
export function unknownOptionMessage(typed: readonly string[], given: Record<string, unknown>, known: readonly string[], command: string): string | undefined {
  const knownSet = new Set(known);
  const found: { name: string; negated: boolean }[] = [];
  for (const word of typed) {
    if (word === '--') break;
    const long = /^--(no-)?([^=]+)/.exec(word);
    if (long) found.push({ name: long[2]!, negated: Boolean(long[1]) && !knownSet.has(`no-${long[2]}`) });
    else if (/^-[^-\d]/.test(word)) for (const letter of word.slice(1).replace(/=.*/, '')) found.push({ name: letter, negated: false });
  }
  for (const [key, value] of Object.entries(given)) {
    if (!PASSED_BY_RUNNERS.has(key)) found.push({ name: kebab(key), negated: value === false });
  }
  const unknown = found.find(({ name, negated }) => !knownSet.has(name) && !(negated && knownSet.has(`no-${name}`)));
  if (!unknown) return undefined;
  const shown = unknown.name.length === 1 ? `-${unknown.name}` : `--${unknown.negated ? 'no-' : ''}${unknown.name}`;
  const candidates = known.filter((name) => name.length > 1);
  const closest = candidates
    .map((name) => ({ name, distance: editDistance(unknown.name, name) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const near = closest && closest.distance <= Math.max(2, Math.floor(unknown.name.length / 3));
  const suggestion = near ? `did you mean --${unknown.negated ? 'no-' : ''}${closest.name}?` : `see \`${command} --help\` for the options.`;
  return `Unknown option ${shown}: ${suggestion} Nothing was written.`;
}

const BOOLEAN_FORMS = `${[...parse.BOOLEAN_WORDS.true, ...parse.BOOLEAN_WORDS.false].join(', ')}`;

/**
 * The values of boolean options as typed (`--sns=no`, `--api-tracing=off`), by kebab name: Yeoman's
 * parser makes any value but "false" true. A value that is not one of the boolean words, a value on a
 * `--no-` option, or a boolean word left as the next argument (`--sns no`) is refused naming the forms.
 */
export function typedBooleans(typed: readonly string[], booleans: readonly string[]): Record<string, boolean> {
  const known = new Set(booleans);
  const values: Record<string, boolean> = {};
  const refuse = (name: string, problem: string) =>
    new InputError(`${problem}: --${name} takes ${BOOLEAN_FORMS} after "=" (--${name}=no), or stands alone (--${name}, --no-${name}). Nothing was written.`);
  for (let i = 0; i < typed.length; i++) {
    const word = typed[i]!;
    if (word === '--') break;
    const match = /^--(no-)?([^=]+)(?:=(.*))?$/s.exec(word);
    if (!match || !known.has(match[2]!)) continue;
    const [, negated, name, value] = match;
    if (value !== undefined) {
      if (negated) throw refuse(name!, `--no-${name}=${JSON.stringify(value).slice(1, -1)} is not allowed`);
      const words = [...parse.BOOLEAN_WORDS.true, ...parse.BOOLEAN_WORDS.false] as string[];
      if (!words.includes(value.trim().toLowerCase())) throw refuse(name!, `--${name}=${JSON.stringify(value).slice(1, -1)} is not allowed`);
      values[name!] = parse.parseBoolean(`--${name}`, value);
    } else {
      values[name!] = !negated;
      const next = typed[i + 1];
      // Yeoman's parser takes a following "true"/"false" as the value, but leaves "no" as an argument.
      if (next !== undefined && /^(yes|no|on|off|1|0)$/i.test(next)) throw refuse(name!, `--${negated ?? ''}${name} ${next} is not allowed (the ${next} would be taken as an argument)`);
    }
  }
  return values;
}

/**
 * The project's answers as .yo-rc.json holds them, through the same parsers as typed values: a value
 * edited there by hand (or by an older version) is refused as a typed one would be.
 */
export function parseStoredAnswers(stored: Record<string, unknown>, file = '.yo-rc.json'): AppValues {
  const values: Record<string, unknown> = {};
  for (const spec of appOptions) {
    if ((stored[spec.key] === undefined || stored[spec.key] === null) && spec.storedDefault !== undefined) {
      values[spec.key] = spec.storedDefault;
      continue;
    }
    if (stored[spec.key] === undefined || stored[spec.key] === null) {
      throw new InputError(`${file} has no ${spec.key}: this project was not written whole by traced-api; generate it again with \`traced-api new\`.`);
    }
    try {
      values[spec.key] = spec.parse(stored[spec.key]);
    } catch (error) {
      throw new InputError(`${file}: ${(error as Error).message} Fix it there.`);
    }
  }
  return values as unknown as AppValues;
}

export type Ask = (spec: OptionSpec<any>, defaultValue: unknown, values: Record<string, unknown>) => Promise<unknown>;

export interface GatherContext {
  /** --yes: every value not given takes its default and nothing is asked. */
  yes: boolean;
  /** A terminal (or a test adapter) can answer questions. */
  interactive: boolean;
  /** Defaults that come from the project rather than the option table, computed from the values before them. */
  defaults?: Record<string, (values: Record<string, unknown>) => unknown>;
}

/**
 * Gathers every value: given on the command line, else its default with --yes, else asked in a
 * terminal, else its default; a value with no default that cannot be asked is an error, not a hang.
 */
export async function gatherValues<Values>(
  specs: OptionSpec<Values>[],
  given: Record<string, unknown>,
  context: GatherContext,
  ask: Ask,
): Promise<Values> {
  const values: Record<string, unknown> = {};
  for (const spec of specs) {
    const raw = given[spec.key] ?? given[spec.name];
    if (spec.appliesWhen && !spec.appliesWhen.test(values as Partial<Values>)) {
      if (raw !== undefined && raw !== null) throw new InputError(`--${spec.name} ${spec.appliesWhen.why}: leave it out, or use --sampling-rule own.`);
      continue;
    }
    const projectDefault = context.defaults?.[spec.key];
    const fallback = projectDefault ? projectDefault(values) : spec.default(values as Partial<Values>);
    // An option written without a value ("--reservoir") arrives as "": that is a wrong value, not a missing one.
    if (raw !== undefined && raw !== null) {
      values[spec.key] = spec.parse(raw);
    } else if (context.yes && (fallback ?? spec.yesDefault) !== undefined) {
      values[spec.key] = spec.parse(fallback ?? spec.yesDefault);
    } else if (context.interactive && !context.yes && !spec.neverAsked) {
      values[spec.key] = spec.parse(await ask(spec, fallback ?? spec.yesDefault, values));
    } else if (fallback !== undefined) {
      values[spec.key] = spec.parse(fallback);
    } else {
      throw new InputError(
        `No ${spec.name} given, and there is no terminal to ask in: pass it as ${spec.argument ? `an argument or --${spec.name}` : `--${spec.name}`}, or use --yes for the defaults.`,
      );
    }
  }
  return values as Values;
}

/** Turns a spec into an inquirer question whose validation is the option's own parser. */
export function questionFor(spec: OptionSpec<any>, defaultValue: unknown, values: Record<string, unknown>, columns = process.stdout.columns) {
  // Broken between words to the terminal's width, so that the terminal never breaks one (a "100%" into "1" and "00%").
  const text = typeof spec.message === 'function' ? spec.message(values) : spec.message;
  const message = columns ? wrap(text, Math.max(40, columns - 4), '', '  ').join('\n') : text;
  const validate = (input: unknown) => {
    try {
      spec.parse(input);
      return true;
    } catch (error) {
      return (error as Error).message;
    }
  };
  if (spec.type === 'boolean') return { type: 'confirm', name: spec.key, message, default: defaultValue ?? true };
  if (spec.choices) {
    const meanings = spec.choiceMeanings;
    const choices = spec.choices.map((choice) => (meanings?.[choice] ? { name: `${choice}: ${meanings[choice]}`, value: choice } : choice));
    return { type: 'select', name: spec.key, message, choices, default: defaultValue };
  }
  return { type: 'input', name: spec.key, message, default: defaultValue === undefined ? undefined : String(defaultValue), validate };
}

/** `text` in lines of at most `width` characters, the first after `first` and the others after `indent`. */
function wrap(text: string, width: number, first: string, indent: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const start = line === first || line === indent;
    if (!start && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
    }
    line += line === first || line === indent ? word : ` ${word}`;
  }
  lines.push(line);
  return lines;
}

export interface CommandHelp {
  /** e.g. "traced-api new [name] [options]". */
  usage: string;
  summary: string;
  specs: OptionSpec<any>[];
  /** Options of the command besides its values (--yes, --dry-run...). */
  others: readonly { name: string; alias?: string; description: string }[];
}

/** A command's --help: its usage and the options that apply to it, from the same statements as its prompts, within `width` columns. */
export function helpText({ usage, summary, specs, others }: CommandHelp, width = 80): string {
  const rows = [
    ...specs.map((spec) => ({
      label: `--${spec.name}${spec.type === 'boolean' ? `, --no-${spec.name}` : ' <value>'}`,
      text: `${spec.description}${spec.argument ? ' (or as an argument)' : ''}. Default: ${spec.defaultText}.`,
    })),
    ...others.map((option) => ({ label: `${option.alias ? `-${option.alias}, ` : ''}--${option.name}`, text: `${option.description}.` })),
    { label: '-h, --help', text: 'Print this help.' },
  ];
  const column = Math.min(28, Math.max(...rows.map((row) => row.label.length)) + 4);
  const lines = [`Usage: ${usage}`, '', ...wrap(summary, width, '', ''), '', 'Options:'];
  for (const row of rows) {
    const label = `  ${row.label}`;
    const first = label.length + 2 <= column ? label.padEnd(column) : undefined;
    if (!first) lines.push(label);
    lines.push(...wrap(row.text, width, first ?? ' '.repeat(column), ' '.repeat(column)));
  }
  return lines.join('\n');
}
