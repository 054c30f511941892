// Adding an endpoint without running the whole OpenAPI document through the YAML parser again.
// The `yaml` package reads some 0.5 MB a second, so a project of 40 endpoints spent most of an
// endpoint run parsing and re-printing a document the generator itself had just written. When the
// document is byte for byte the one the generator last wrote (its SHA-256 names an index entry), the
// entry holds what a parse would give (the operations, for the checks) and where a new path item
// goes; the new item is printed on its own and inserted there. Anything else (a hand edit, a method
// added to an existing path, no entry) takes the parsing path in lib/openapi.ts, which then writes
// an entry again. Entries live outside the project, in the user's cache folder: each is derived from
// one text alone and named by its hash, so a missing entry costs one parse and no entry serves another text.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMap, stringify, type Document } from 'yaml';
import type { EndpointConfig } from './config.js';
import { addOperation, declaresScheme, operationFor, type Operation } from './openapi.js';

/** What the generator knows about one exact document text. */
export interface OpenApiIndex {
  sha256: string;
  /** Every operation, as listOperations() reads them from the document. */
  operations: Operation[];
  /** A new path item replaces text.slice(from, to) with `prefix` and the item's lines. */
  from: number;
  to: number;
  prefix: string;
}

const STRINGIFY = { lineWidth: 0 } as const;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function cacheFolder(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'traced-api', 'openapi-index');
}

/** The index of this exact text: `given` (by a generator that just wrote it) or the cache's entry; undefined if neither is sound. */
export function findIndex(text: string, given?: OpenApiIndex): OpenApiIndex | undefined {
  const hash = sha256(text);
  if (given && usable(given, text, hash)) return given;
  try {
    const index = JSON.parse(readFileSync(path.join(cacheFolder(), `${hash}.json`), 'utf8')) as OpenApiIndex;
    return usable(index, text, hash) ? index : undefined;
  } catch {
    return undefined;
  }
}

function usable(index: OpenApiIndex, text: string, hash = sha256(text)): boolean {
  return (
    index?.sha256 === hash &&
    Array.isArray(index.operations) &&
    Number.isInteger(index.from) &&
    Number.isInteger(index.to) &&
    index.from >= 0 &&
    index.from <= index.to &&
    index.to <= text.length &&
    (index.from === 0 || text[index.from - 1] === '\n') &&
    typeof index.prefix === 'string'
  );
}

/** The entries kept: the most recent ones (a project copied or checked out twice shares them). */
const KEEP = 64;

/** Keeps the entry for the text just written. Best effort: a cache that cannot be written costs a parse. */
export function saveIndex(index: OpenApiIndex): void {
  try {
    const folder = cacheFolder();
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${index.sha256}.json`);
    writeFileSync(`${file}.${process.pid}`, JSON.stringify(index));
    renameSync(`${file}.${process.pid}`, file);
    const entries = readdirSync(folder).filter((name) => name.endsWith('.json'));
    if (entries.length > KEEP) {
      const byAge = entries.map((name) => ({ name, mtime: statSync(path.join(folder, name)).mtimeMs })).sort((a, b) => a.mtime - b.mtime);
      for (const { name } of byAge.slice(0, entries.length - KEEP)) rmSync(path.join(folder, name), { force: true });
    }
  } catch {
    // no cache: the next run parses the document
  }
}

/** The lines of a new path item holding the endpoint's operation, as the document prints them under `paths:`. */
export function pathItemLines(endpoint: EndpointConfig, summary: string): string {
  const item = { [endpoint.path]: { [endpoint.method.toLowerCase()]: operationFor(endpoint, summary) } };
  return (printPlain(item, '  ') ?? stringify(item, STRINGIFY).replace(/^(?=.)/gm, '  '));
}

// A printer for the simple values an operation holds, byte for byte as `yaml` prints them (block
// style, sequences indented, strings plain where they read back as the same string), so that the
// usual edit does not load `yaml`'s printer at all. Anything it is not sure of, it leaves to `yaml`.
const PLAIN = /^[A-Za-z_/$][\w/$.{}\-]*(?:[ ,]+[\w/$.{}\-]+)*$/;
const NOT_PLAIN = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

function scalar(value: unknown): string | undefined {
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) && /^-?\d+(?:\.\d+)?$/.test(String(value)) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^\d{1,9}$/.test(value)) return `"${value}"`;
  return PLAIN.test(value) && !NOT_PLAIN.test(value) ? value : undefined;
}

function printPlain(value: Record<string, unknown>, indent: string): string | undefined {
  let out = '';
  for (const [key, item] of Object.entries(value)) {
    const name = scalar(key);
    if (name === undefined) return undefined;
    if (Array.isArray(item)) {
      if (item.length === 0) return undefined;
      out += `${indent}${name}:\n`;
      for (const element of item) {
        if (element === null || typeof element !== 'object' || Array.isArray(element) || Object.keys(element).length === 0) return undefined;
        const body = printPlain(element as Record<string, unknown>, `${indent}    `);
        if (body === undefined) return undefined;
        out += `${indent}  - ${body.slice(indent.length + 4)}`;
      }
    } else if (item !== null && typeof item === 'object') {
      if (Object.keys(item).length === 0) return undefined;
      const body = printPlain(item as Record<string, unknown>, `${indent}  `);
      if (body === undefined) return undefined;
      out += `${indent}${name}:\n${body}`;
    } else {
      const text = scalar(item);
      if (text === undefined) return undefined;
      out += `${indent}${name}: ${text}\n`;
    }
  }
  return out;
}

/** The endpoint's entry in an index's operations. */
export const operationOf = (endpoint: EndpointConfig): Operation => ({
  method: endpoint.method,
  path: endpoint.path,
  operationId: endpoint.operationId,
  functionName: endpoint.functionName,
  ...(endpoint.sampling ? { sampling: { ...endpoint.sampling } } : {}),
  auth: endpoint.auth,
});

/**
 * The document with the endpoint's operation added, and the index of that new text; undefined when
 * this edit needs the parsing path (the path already has other methods).
 */
export function addOperationFast(text: string, index: OpenApiIndex, endpoint: EndpointConfig, summary: string): { text: string; index: OpenApiIndex } | undefined {
  if (!usable(index, text) || index.operations.some((op) => op.path === endpoint.path) || !declaresScheme(text, endpoint.auth)) return undefined;
  const inserted = `${index.prefix}${pathItemLines(endpoint, summary)}`;
  const next = text.slice(0, index.from) + inserted + text.slice(index.to);
  const end = index.from + inserted.length;
  return { text: next, index: { sha256: sha256(next), operations: [...index.operations, operationOf(endpoint)], from: end, to: end, prefix: '' } };
}

/**
 * The index of a document as the app generator first writes it: no operation yet, and `paths: {}`
 * on a line of its own, which the first path item replaces with a block. Undefined for anything else.
 */
export function skeletonIndex(text: string): OpenApiIndex | undefined {
  const matches = [...text.matchAll(/^paths:[ \t]*\{[ \t]*\}[ \t]*(?:\r?\n|$)/gm)];
  if (matches.length !== 1 || /^paths\s*:(?![ \t]*\{[ \t]*\})/m.test(text)) return undefined;
  const from = matches[0]!.index!;
  return { sha256: sha256(text), operations: [], from, to: from + matches[0]![0].length, prefix: 'paths:\n' };
}

/**
 * The index of `text`, the printed form of `doc` (which holds `operations`), when a new path item
 * can go at the end of its `paths` block. Proven on the document itself: a probe item added the
 * parsing way must print exactly as the same item inserted there; otherwise no index.
 */
export function indexOf(doc: Document, text: string, operations: Operation[]): OpenApiIndex | undefined {
  const start = /^paths:[ \t]*\r?\n/m.exec(text);
  if (!start || !isMap(doc.get('paths'))) return undefined;
  // The block ends at the next line that starts in column 0 (a key, a comment, a document marker).
  const after = start.index + start[0].length;
  const next = /^\S/m.exec(text.slice(after));
  const at = next ? after + next.index : text.length;
  if (at > 0 && text[at - 1] !== '\n') return undefined;
  const probe: EndpointConfig = {
    method: 'GET',
    path: '/traced-api-index-probe/{id}',
    operationId: 'tracedApiIndexProbe',
    pathParameters: ['id'],
    publish: true,
    functionName: 'traced-api-index-probe',
    sampling: { ruleName: 'traced-api-index-probe', priority: 1, reservoirSize: 1, fixedRate: 0.05 },
    auth: 'none',
  };
  const summary = 'GET /traced-api-index-probe/{id}, publishing an event to SNS';
  const expected = addOperation(doc.clone(), probe, summary);
  if (expected !== text.slice(0, at) + pathItemLines(probe, summary) + text.slice(at)) return undefined;
  return { sha256: sha256(text), operations, from: at, to: at, prefix: '' };
}
