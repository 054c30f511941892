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

export function samplingRuleName(prefix: string, operationId: string): string {
  return fitName(`${prefix}-${operationId}`, LIMITS.samplingRule);
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
