// A new endpoint's sampling rule among the document's rules: its priority, the generator's own numbers
// it moves so that every route reaches its own rule first (traced-api-devkit's rule order), and the refusals.
import { isAlias, type Document as YamlDocument } from 'yaml';
import { FIRST_ENDPOINT_PRIORITY, type HttpMethod } from './config.js';
import { InputError } from './errors.js';
import type { Operation } from './openapi.js';
import { describeHidden, hiddenRules, mustPrecede, renumber, urlPathFor, type Hidden, type OrderedRule } from 'traced-api-devkit';

/** X-Ray's limit on a rule's url_path. */
export const URL_PATH_LIMIT = 128;

export interface NewRule {
  method: HttpMethod;
  path: string;
  ruleName: string;
  /** Given by the user (--priority): kept, or refused when it hides a rule or is hidden. */
  priority?: number;
}

export interface PriorityPlan {
  /** The new rule's priority. */
  priority: number;
  /** Whether the generator chose it (and may move it later). */
  chosenByGenerator: boolean;
  /** Existing operations whose generator-chosen priority moves. */
  moves: { method: HttpMethod; path: string; operationId: string; from: number; priority: number }[];
  /** Rules that were already hidden before this endpoint (hand edits): reported, not the new rule's doing. */
  alreadyHidden: string[];
}

/** The rule of an operation, as the document states it; chosen by the generator while `generatorPriority` still equals `priority`. */
export function ruleOf(op: Operation): OrderedRule | undefined {
  if (!op.sampling) return undefined;
  return {
    ruleName: op.sampling.ruleName,
    method: op.method,
    urlPath: urlPathFor(op.path),
    priority: op.sampling.priority,
    chosenByGenerator: op.sampling.generatorPriority !== undefined && op.sampling.generatorPriority === op.sampling.priority,
  };
}

/** The API default rule: every method and path, after every endpoint rule. */
export const apiDefaultRule = (ruleName: string, priority: number): OrderedRule => ({ ruleName, method: '*', urlPath: '*', priority });

export function checkUrlPath(path: string): void {
  const urlPath = urlPathFor(path);
  if (urlPath.length > URL_PATH_LIMIT) {
    throw new InputError(
      `Path "${path}" gives the sampling rule url_path "${urlPath}", ${urlPath.length} characters; X-Ray allows at most ${URL_PATH_LIMIT}. ` +
        `Choose a path of at most ${URL_PATH_LIMIT - 1} characters counting each {parameter} as one (shorter segment names, or fewer levels).`,
    );
  }
}

const involves = (hidden: Hidden, ruleName: string) => hidden.by.ruleName === ruleName || hidden.hidden.ruleName === ruleName;

/** The API the rules sample: its default rule, and its stage, whose name prefixes the paths X-Ray matches. */
export interface ApiRules {
  defaultRule: OrderedRule;
  stage: string;
}

function plan(existing: OrderedRule[], added: OrderedRule, api: ApiRules) {
  const { rules, hidden } = renumber([...existing, added, api.defaultRule], { first: FIRST_ENDPOINT_PRIORITY, stage: api.stage });
  return { rules, mine: hidden.filter((h) => involves(h, added.ruleName)), others: hidden.filter((h) => !involves(h, added.ruleName)) };
}

/**
 * The new rule's priority and the moves of the generator's own numbers. A user priority that hides a
 * rule, or is hidden by one, whatever the generator's numbers do, is refused with a priority that works
 * (unless `refuse` is false: the priority to offer before the user has answered).
 */
export function planPriorities(operations: Operation[], added: NewRule, api: ApiRules, refuse = true): PriorityPlan {
  checkUrlPath(added.path);
  // One rule per name: operations that share one (a path item written as a YAML alias) are one rule in X-Ray,
  // and it moves where its anchor is.
  const once = operations.filter((op, i) => !op.sampling || operations.findIndex((other) => other.sampling?.ruleName === op.sampling!.ruleName) === i);
  const existing = once.flatMap((op) => ruleOf(op) ?? []);
  const rule: OrderedRule = {
    ruleName: added.ruleName,
    method: added.method,
    urlPath: urlPathFor(added.path),
    priority: added.priority ?? Number.POSITIVE_INFINITY,
    chosenByGenerator: added.priority === undefined,
  };
  // Where the new rule fits among the rules as they are, nothing else moves (no deployed rule changes).
  const fits = added.priority === undefined ? priorityInPlace(existing, rule, api) : undefined;
  if (fits !== undefined) return { priority: fits, chosenByGenerator: true, moves: [], alreadyHidden: [] };
  const result = plan(existing, rule, api);
  if (refuse && result.mine.length > 0) {
    const conflict = result.mine[0]!;
    const works = added.priority === undefined ? undefined : workingPriority(existing, rule, api);
    throw new InputError(
      `${added.priority === undefined ? 'The new rule' : `--priority ${added.priority}`} would hide a route from its own rule: ${describeHidden(conflict)}. ` +
        (works !== undefined
          ? `Use --priority ${works}, or leave --priority out to let the generator order the rules.`
          : 'No free priority keeps every route on its own rule: change the priority of one of these rules in openapi/openapi.yaml first.'),
    );
  }
  const after = new Map(result.rules.map((r) => [r.ruleName, r.priority]));
  const moves = once.flatMap((op) => {
    const before = ruleOf(op);
    if (!before?.chosenByGenerator) return [];
    const priority = after.get(before.ruleName)!;
    return priority === before.priority ? [] : [{ method: op.method, path: op.path, operationId: op.operationId, from: before.priority, priority }];
  });
  return {
    priority: after.get(rule.ruleName)!,
    chosenByGenerator: rule.chosenByGenerator === true,
    moves,
    alreadyHidden: result.others.map(describeHidden),
  };
}

/**
 * A free number for a new generator-chosen rule among the rules as they stand: after every rule it must
 * follow and before every rule it must precede, the lowest from `FIRST_ENDPOINT_PRIORITY` up, else the
 * highest below it. Undefined when there is none, or when the rules as they stand already hide one another
 * (then renumbering the generator's numbers is what is needed).
 */
function priorityInPlace(existing: OrderedRule[], rule: OrderedRule, api: ApiRules): number | undefined {
  const others = [...existing, api.defaultRule];
  if (hiddenRules(others, api.stage).length > 0) return undefined;
  const after = Math.max(0, ...others.filter((other) => mustPrecede(other, rule, api.stage)).map((other) => other.priority));
  const before = Math.min(10000, ...others.filter((other) => mustPrecede(rule, other, api.stage)).map((other) => other.priority));
  const taken = new Set(others.map((other) => other.priority));
  let priority: number | undefined;
  for (let n = Math.max(after + 1, FIRST_ENDPOINT_PRIORITY); n < before && priority === undefined; n++) if (!taken.has(n)) priority = n;
  for (let n = Math.min(before, FIRST_ENDPOINT_PRIORITY) - 1; n > after && priority === undefined; n--) if (!taken.has(n)) priority = n;
  if (priority === undefined) return undefined;
  return hiddenRules([...others, { ...rule, priority }], api.stage).some((hidden) => involves(hidden, rule.ruleName)) ? undefined : priority;
}

/** The free priority nearest the one asked for with which the new rule neither hides nor is hidden; undefined if none. */
function workingPriority(existing: OrderedRule[], rule: OrderedRule, api: ApiRules): number | undefined {
  // The user's rules and the API default rule stay where they are: the new rule fits between them or nowhere.
  const fixed = [...existing.filter((r) => !r.chosenByGenerator), api.defaultRule];
  const after = Math.max(0, ...fixed.filter((r) => mustPrecede(r, rule, api.stage)).map((r) => r.priority));
  const before = Math.min(10000, ...fixed.filter((r) => mustPrecede(rule, r, api.stage)).map((r) => r.priority));
  const taken = new Set(fixed.map((r) => r.priority));
  const candidates: number[] = [];
  for (let n = after + 1; n < before; n++) if (!taken.has(n)) candidates.push(n);
  candidates.sort((a, b) => Math.abs(a - rule.priority) - Math.abs(b - rule.priority) || a - b);
  return candidates.slice(0, 50).find((candidate) => plan(existing, { ...rule, priority: candidate }, api).mine.length === 0);
}

/**
 * Writes the moved priorities into the parsed document (the user's formatting elsewhere stays). Never
 * through a YAML alias: the node it names is edited where its anchor is, and so moves for both.
 */
export function applyMoves(doc: YamlDocument, moves: PriorityPlan['moves']): void {
  const edited = new Set<unknown>();
  for (const move of moves) {
    const item = doc.getIn(['paths', move.path], true);
    if (isAlias(item)) {
      // Its anchor's path item was moved already: the alias reads the same node.
      if (edited.has(item.resolve(doc))) continue;
      throw new InputError(
        `Path ${move.path} in the OpenAPI document is the YAML alias *${item.source}: its sampling rule's priority would move to ${move.priority}, which would change every place that shares the anchor &${item.source}. ` +
          'Write that path item out in full, then run this again.',
      );
    }
    const sampling = ['paths', move.path, move.method.toLowerCase(), 'x-traced-api', 'sampling'];
    if (sampling.some((_, depth) => isAlias(doc.getIn(sampling.slice(0, depth + 1), true)))) continue;
    doc.setIn([...sampling, 'priority'], move.priority);
    doc.setIn([...sampling, 'generatorPriority'], move.priority);
    edited.add(item);
  }
}

/** The operations as they read once the moves are written. */
export function movedOperations(operations: Operation[], moves: PriorityPlan['moves']): Operation[] {
  return operations.map((op) => {
    const move = moves.find((m) => m.method === op.method && m.path === op.path);
    return move && op.sampling ? { ...op, sampling: { ...op.sampling, priority: move.priority, generatorPriority: move.priority } } : op;
  });
}
