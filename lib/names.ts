import { createHash } from 'node:crypto';

/** AWS name limits the generated names must fit. */
export const LIMITS = { samplingRule: 32, lambdaFunction: 64, iamRole: 64, snsTopic: 256 } as const;

const HASH_LENGTH = 8;

/**
 * Fits a name to a limit: unchanged when it fits, otherwise cut and suffixed with a stable hash of
 * the whole name, so two long names that share a prefix never collide.
 */
export function fitName(full: string, max: number): string {
  if (full.length <= max) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, HASH_LENGTH);
  const head = full.slice(0, max - HASH_LENGTH - 1).replace(/[-_]+$/, '');
  return `${head}-${hash}`;
}

export function namePrefix(projectName: string, stage: string): string {
  return `${projectName}-${stage}`;
}

export function functionName(prefix: string, operationId: string): string {
  return fitName(`${prefix}-${operationId}`, LIMITS.lambdaFunction);
}

/** Characters of the hash that ends a shortened rule name. */
const RULE_HASH_LENGTH = 6;

/** `text` cut to at most `max` characters, back to a word's start (a dash, or a capital in camelCase) when that loses at most 3. */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  for (let at = max; at >= Math.max(3, max - 3); at--) {
    if (text[at] === '-' || text[at] === '_' || /[A-Z]/.test(text[at] ?? '')) return cut.slice(0, at).replace(/[-_]+$/, '');
  }
  return cut.replace(/[-_]+$/, '');
}

/**
 * An endpoint's sampling rule name, `<project>-<stage>-<operationId>`, within X-Ray's 32 characters and
 * readable: when too long, the three parts are shortened together (the operationId, which tells a
 * project's rules apart, counting half, so it keeps about twice the others' length; none below 3), each
 * cut at a word where it can be, and a hash of the whole name (6 hex digits) ends it, so that two names
 * never become one: `shop-api-staging-getOrdersByIdItemsByItemId` becomes `shop-stagin-getOrdersById-<hash>`.
 */
export function samplingRuleName(prefix: string, operationId: string): string {
  const full = `${prefix}-${operationId}`;
  if (full.length <= LIMITS.samplingRule) return full;
  // A stage holds no dash: the prefix's last dash separates it from the project's name.
  const split = prefix.lastIndexOf('-');
  const parts = [prefix.slice(0, split), prefix.slice(split + 1), operationId];
  const weights = [1, 1, 2];
  const lengths = parts.map((part) => part.length);
  const room = LIMITS.samplingRule - RULE_HASH_LENGTH - 3; // three dashes: between the parts, and before the hash
  while (lengths.reduce((sum, length) => sum + length, 0) > room) {
    // The part longest for its weight loses a character (the project's name first on a tie).
    let longest = -1;
    for (let i = 0; i < parts.length; i++) if (lengths[i]! > 3 && (longest < 0 || lengths[i]! / weights[i]! > lengths[longest]! / weights[longest]!)) longest = i;
    if (longest < 0) break;
    lengths[longest]! -= 1;
  }
  const hash = createHash('sha256').update(full).digest('hex').slice(0, RULE_HASH_LENGTH);
  const [project, stage] = [cutAtWord(parts[0]!, lengths[0]!), cutAtWord(parts[1]!, lengths[1]!)];
  // What a cut at a word left over goes to the operationId.
  const operation = cutAtWord(operationId, room - project.length - stage.length);
  return fitName(`${project}-${stage}-${operation}-${hash}`, LIMITS.samplingRule);
}

export function projectNames(projectName: string, stage: string) {
  const prefix = namePrefix(projectName, stage);
  return {
    prefix,
    role: fitName(`${prefix}-lambda`, LIMITS.iamRole),
    topic: fitName(`${prefix}-events`, LIMITS.snsTopic),
    // An operationId holds no dash, so "--default" never equals "-<operationId>" of an endpoint's rule.
    defaultRule: fitName(`${prefix}--default`, LIMITS.samplingRule),
  };
}

/**
 * The state bucket's name before its account and region (<prefix>-<account id>-<region>, at most 60 characters
 * of S3's 63): bucket names are global, so the account id makes it unique.
 */
export function stateBucketPrefix(projectName: string): string {
  return `${projectName.slice(0, 24)}-tfstate`;
}

function pascal(word: string): string {
  return word
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** GET /orders/{id}/items -> getOrdersByIdItems: the default operationId and handler name. */
export function operationIdFor(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith('{') ? `By${pascal(segment.slice(1, -1))}` : pascal(segment)));
  return method.toLowerCase() + (words.join('') || 'Root');
}

/** The url_path of an endpoint's sampling rule: `*` for the stage prefix, `*` for each {parameter}. */
export { urlPathFor as samplingUrlPath } from 'traced-api-devkit';
