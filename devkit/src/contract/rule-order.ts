// Which X-Ray sampling rule samples which route. X-Ray tries rules in ascending priority and the first
// whose method and url_path match wins; `*` in url_path matches any characters, `/` included. So a broad
// rule (`*/orders/*`) ahead of a narrower one (`*/orders/*/items`) takes all of the narrower route's
// requests. This module orders rules by what they match and finds the rules that hide another.
// Pure and dependency-free: the generator (when it numbers rules) and the projects' own tests (their
// test/sampling-rules.test.ts) share it.

export interface OrderedRule {
  ruleName: string;
  /** GET, POST... or `*`. */
  method: string;
  /** X-Ray url_path pattern: literals and `*`, e.g. `*` + the route with each {parameter} as `*`. */
  urlPath: string;
  priority: number;
  /** The generator chose this number and may change it; any other priority is the user's and is kept. */
  chosenByGenerator?: boolean;
}

export interface Hidden {
  /** The rule that comes first and matches requests of `hidden`'s route. */
  by: OrderedRule;
  hidden: OrderedRule;
}

/** The url_path an endpoint rule gets for an OpenAPI route: `*` for the stage prefix, `*` per parameter. */
export const urlPathFor = (route: string): string => `*${route.replace(/\{[^}]+\}/g, '*')}`;

const methodsMeet = (a: OrderedRule, b: OrderedRule) => a.method === '*' || b.method === '*' || a.method === b.method;

// A rule of a route: its url_path starts with `*` and `/`. A catch-all (`*`) samples what is left and has no route of its own.
const hasRoute = (rule: OrderedRule) => rule.urlPath.startsWith('*/');

/**
 * Whether `a` matches every path `b` matches: `a` matches `b`'s pattern read with `b`'s `*` as a
 * character that only `a`'s `*` may consume.
 */
export function covers(a: string, b: string): boolean {
  // reach[j]: a[0..i) can consume b[0..j).
  let reach = new Array<boolean>(b.length + 1).fill(false);
  reach[0] = true;
  for (const token of a) {
    const next = new Array<boolean>(b.length + 1).fill(false);
    if (token === '*') {
      let on = false;
      for (let j = 0; j <= b.length; j++) next[j] = on = on || reach[j]!;
    } else {
      for (let j = 0; j < b.length; j++) if (reach[j] && b[j] === token) next[j + 1] = true;
    }
    reach = next;
  }
  return reach[b.length]!;
}

// A route's requests, as tokens: a literal character, one character other than `/` (`one`), or any
// number of them (`many`). A parameter is `one` then `many`; the stage prefix, when there, is `/` and the
// stage's name, or any one segment when the stage is not known.
type Token = { literal: string } | 'one' | 'many';

function requestTokens(urlPath: string, stagePrefix: boolean, stage?: string): Token[] {
  const prefix: Token[] = stage === undefined ? [{ literal: '/' }, 'one', 'many'] : [...`/${stage}`].map((literal) => ({ literal }));
  const tokens: Token[] = stagePrefix ? prefix : [];
  for (const character of urlPath.slice(1)) {
    if (character === '*') tokens.push('one', 'many');
    else tokens.push({ literal: character });
  }
  return tokens;
}

/** The literal text after the last `*` of a pattern (all of it when it has none). */
const literalTail = (pattern: string) => pattern.slice(pattern.lastIndexOf('*') + 1);

// Answers already worked out: renumbering asks about the same pairs of rules many times.
const answers = new Map<string, boolean>();

/** Whether glob `pattern` matches at least one request of the route whose rule is `route` (with or without the stage prefix). */
export function matchesRequestOf(pattern: string, route: string, stage?: string): boolean {
  // Both end a request: where their literal tails differ in their last characters, no request fits both.
  const [a, b] = [literalTail(pattern), literalTail(route)];
  const n = Math.min(a.length, b.length);
  if (a.slice(a.length - n) !== b.slice(b.length - n)) return false;
  const key = `${pattern}\n${route}\n${stage ?? ''}`;
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = [false, true].some((stagePrefix) => intersects(pattern, requestTokens(route, stagePrefix, stage)));
    if (answers.size > 100_000) answers.clear();
    answers.set(key, answer);
  }
  return answer;
}

function intersects(pattern: string, tokens: Token[]): boolean {
  const seen = new Set<string>();
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [i, k] = stack.pop()!;
    const key = `${i},${k}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === pattern.length && k === tokens.length) return true;
    const p = pattern[i];
    const t = tokens[k];
    if (p === '*') stack.push([i + 1, k]);
    if (t === 'many') stack.push([i, k + 1]);
    if (p === undefined || t === undefined) continue;
    // One character both sides accept.
    const fits = p === '*' || (typeof t === 'object' ? t.literal === p : p !== '/');
    if (!fits || (p === '*' && t === 'many')) continue;
    stack.push([p === '*' ? i : i + 1, t === 'many' ? k : k + 1]);
  }
  return false;
}

/** The route's parts: a literal segment or a parameter (`*`). */
const segments = (urlPath: string) => urlPath.slice(2).split('/');

/**
 * Whether `a` goes before `b` when both can match one request: the narrower first; where neither
 * covers the other, the route with a literal segment where the other has a parameter, at the first
 * place they differ, as API Gateway routes such a request to it.
 */
export function moreSpecific(a: OrderedRule, b: OrderedRule): boolean {
  const [broaderA, broaderB] = [covers(a.urlPath, b.urlPath), covers(b.urlPath, a.urlPath)];
  if (broaderA !== broaderB) return broaderB;
  if (!hasRoute(a) || !hasRoute(b)) return hasRoute(a);
  const [sa, sb] = [segments(a.urlPath), segments(b.urlPath)];
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i] === sb[i]) continue;
    if ((sa[i] === '*') !== (sb[i] === '*')) return sb[i] === '*';
  }
  return sa.length !== sb.length ? sa.length > sb.length : a.urlPath < b.urlPath;
}

/** Whether the two rules can both match one request of either's route, so their order matters. */
function overlap(a: OrderedRule, b: OrderedRule, stage?: string): boolean {
  if (!methodsMeet(a, b)) return false;
  if (!hasRoute(a) || !hasRoute(b)) return true;
  return matchesRequestOf(a.urlPath, b.urlPath, stage) || matchesRequestOf(b.urlPath, a.urlPath, stage);
}

/** Whether `a` must have a lower priority than `b`: both can match one request, and `a` is the more specific. */
export const mustPrecede = (a: OrderedRule, b: OrderedRule, stage?: string): boolean => a !== b && overlap(a, b, stage) && moreSpecific(a, b);

/**
 * Every rule that comes first (lower priority, or the same priority and a name X-Ray sorts first) and
 * matches requests of another rule's route that belong to that route. Empty: every route reaches its own rule.
 * `stage`: the API stage whose name prefixes the requests X-Ray sees (any one segment when not given).
 */
export function hiddenRules(rules: OrderedRule[], stage?: string): Hidden[] {
  const found: Hidden[] = [];
  const first = (a: OrderedRule, b: OrderedRule) => a.priority < b.priority || (a.priority === b.priority && a.ruleName < b.ruleName);
  for (const hidden of rules) {
    if (!hasRoute(hidden)) continue;
    for (const by of rules) {
      if (by === hidden || !methodsMeet(by, hidden) || !first(by, hidden)) continue;
      if (matchesRequestOf(by.urlPath, hidden.urlPath, stage) && !moreSpecific(by, hidden)) found.push({ by, hidden });
    }
  }
  return found;
}

/** One line per hidden rule, for people. */
export function describeHidden({ by, hidden }: Hidden): string {
  return (
    `sampling rule ${by.ruleName} (${by.method} ${by.urlPath}, priority ${by.priority}) comes before ` +
    `${hidden.ruleName} (${hidden.method} ${hidden.urlPath}, priority ${hidden.priority}) and takes requests of its route, ` +
    `so ${hidden.ruleName} never samples them`
  );
}

export interface Renumbering {
  /** Every rule, with the priority it should have. */
  rules: OrderedRule[];
  /** Rules that still hide another: user-set priorities the generator cannot work around. */
  hidden: Hidden[];
}

/**
 * New priorities for the rules the generator chose, so that every route reaches its own rule; the
 * user's priorities stay. Rules are placed narrower first (among rules that do not overlap, in their
 * present order; a rule of priority Infinity goes last), each generator-chosen one at the lowest free
 * number from `first` up that is after every rule it must follow and before every user-set rule it must
 * precede; when only a number below `first` fits, the highest such.
 */
export function renumber(rules: OrderedRule[], { first = 100, stage }: { first?: number; stage?: string } = {}): Renumbering {
  const before = new Map<OrderedRule, Set<OrderedRule>>(rules.map((rule) => [rule, new Set()]));
  for (const a of rules) {
    for (const b of rules) {
      if (mustPrecede(a, b, stage)) before.get(b)!.add(a);
    }
  }
  const byPresentOrder = (a: OrderedRule, b: OrderedRule) => a.priority - b.priority || (a.ruleName < b.ruleName ? -1 : 1);
  // Every rule that must come after `rule`, directly or through others.
  const successors = (rule: OrderedRule): Set<OrderedRule> => {
    const found = new Set<OrderedRule>();
    for (const stack = [rule]; stack.length > 0; ) {
      const current = stack.pop()!;
      for (const other of rules) {
        if (!before.get(other)!.has(current) || found.has(other)) continue;
        found.add(other);
        stack.push(other);
      }
    }
    return found;
  };
  // The lowest user-set priority a rule must stay under (10000: none).
  const limitOf = (rule: OrderedRule) => Math.min(10000, ...[...successors(rule)].filter((other) => !other.chosenByGenerator).map((other) => other.priority));
  const fixed = rules.filter((rule) => !rule.chosenByGenerator);
  const taken = new Set(fixed.map((rule) => rule.priority));
  const placed = new Map<OrderedRule, number>(fixed.map((rule) => [rule, rule.priority]));
  const pending = [...rules];
  const result = new Map<OrderedRule, OrderedRule>();
  while (pending.length > 0) {
    // The first rule in present order whose predecessors are all placed (or, in a cycle, the first).
    const ready = pending.filter((rule) => [...before.get(rule)!].every((other) => result.has(other)));
    const next = (ready.length > 0 ? ready : pending).sort(byPresentOrder)[0]!;
    pending.splice(pending.indexOf(next), 1);
    if (!next.chosenByGenerator) {
      result.set(next, next);
      continue;
    }
    const after = Math.max(0, ...[...before.get(next)!].map((other) => placed.get(other) ?? 0));
    const limit = limitOf(next);
    const lowestFrom = (from: number) => {
      for (let n = Math.max(from, after + 1); n < limit; n++) if (!taken.has(n)) return n;
      return undefined;
    };
    // Below `first`, the highest number that fits while leaving room for the generator's rules that must
    // come after this one and also stay under a user's priority below `first`.
    const highest = () => {
      const reserve = [...successors(next)].filter((other) => other.chosenByGenerator && pending.includes(other) && limitOf(other) <= first).length;
      for (let n = Math.min(limit, first) - 1 - reserve; n > after; n--) if (!taken.has(n)) return n;
      return undefined;
    };
    const priority = lowestFrom(first) ?? highest() ?? lowestFrom(1) ?? next.priority;
    taken.add(priority);
    placed.set(next, priority);
    result.set(next, { ...next, priority });
  }
  const renumbered = rules.map((rule) => result.get(rule)!);
  return { rules: renumbered, hidden: hiddenRules(renumbered, stage) };
}
