// X-Ray segment documents -> a trace's timeline and a service map. One module for both views: the dev
// server's page (documents the X-Ray SDK sent to the local daemon, plus the API Gateway and Lambda segments
// the dev server records) and `npm run traces` (documents BatchGetTraces returns). Both are the same JSON,
// the segment document format: https://docs.aws.amazon.com/xray/latest/devguide/aws-xray-interface-api-segmentdocuments.html

export interface XRayStackFrame {
  path?: string;
  line?: number | null;
  label?: string;
}

export interface XRayException {
  id?: string;
  message?: string;
  type?: string;
  remote?: boolean;
  truncated?: number;
  skipped?: number;
  cause?: string;
  stack?: XRayStackFrame[];
}

/** A segment or subsegment document: what the SDK sends to the daemon, and what BatchGetTraces returns. */
export interface SegmentDocument {
  id: string;
  name: string;
  trace_id?: string;
  parent_id?: string;
  /** "subsegment" for a subsegment sent on its own; subsegments nested in `subsegments` omit it. */
  type?: string;
  origin?: string;
  namespace?: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  /** The exceptions, or the id of an exception recorded elsewhere in the trace. */
  cause?: string | { working_directory?: string; paths?: string[]; exceptions?: XRayException[] };
  http?: {
    request?: { method?: string; url?: string; client_ip?: string; user_agent?: string; x_forwarded_for?: boolean };
    response?: { status?: number; content_length?: number };
  };
  aws?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  subsegments?: SegmentDocument[];
  [field: string]: unknown;
}

export type Status = 'ok' | 'error' | 'throttle' | 'fault';

export interface RowException {
  type: string;
  message: string;
  remote: boolean;
  /** "label (path:line)", innermost first. */
  stack: string[];
}

/** One segment or subsegment on a trace's timeline, in tree order (parents before their children). */
export interface TimelineRow {
  id: string;
  parentId?: string;
  depth: number;
  name: string;
  kind: 'segment' | 'subsegment';
  /** The segment this row belongs to (itself for a segment): the service on the map. */
  service: string;
  origin?: string;
  namespace?: string;
  /** aws.operation, e.g. Publish. */
  operation?: string;
  /** Milliseconds from the start of the trace. */
  start: number;
  /** Milliseconds; undefined while in progress. */
  duration?: number;
  status: Status;
  httpStatus?: number;
  exceptions: RowException[];
  /** The failing segment: the deepest fault (else error) of the trace, where the failure started. */
  failing: boolean;
  inProgress: boolean;
  /** Its parent was not recorded (or not received yet). */
  orphan: boolean;
}

export interface TraceTimeline {
  id: string;
  /** Epoch seconds of the earliest document. */
  startTime: number;
  /** Milliseconds from the earliest start to the latest end. */
  duration: number;
  status: Status;
  rows: TimelineRow[];
  failing?: TimelineRow;
  /** The entry point: the first root segment's name. */
  entry?: string;
  http?: { method?: string; url?: string; status?: number };
}

export interface MapNode {
  id: string;
  name: string;
  /** client, AWS::ApiGateway::Stage, AWS::Lambda::Function, AWS::SNS (inferred from a subsegment), ... */
  type: string;
  requests: number;
  errors: number;
  throttles: number;
  faults: number;
  /** Distance from the client, for laying the map out left to right. */
  depth: number;
}

export interface MapEdge {
  from: string;
  to: string;
  requests: number;
  errors: number;
  throttles: number;
  faults: number;
}

export interface ServiceMap {
  nodes: MapNode[];
  edges: MapEdge[];
  traces: number;
}

const SEVERITY: Record<Status, number> = { ok: 0, error: 1, throttle: 2, fault: 3 };

function statusOf(document: SegmentDocument): Status {
  if (document.fault) return 'fault';
  if (document.throttle) return 'throttle';
  if (document.error) return 'error';
  return 'ok';
}

function worst(statuses: Status[]): Status {
  return statuses.reduce<Status>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'ok');
}

interface Flat {
  document: SegmentDocument;
  parentId?: string;
  kind: 'segment' | 'subsegment';
}

function isComplete(document: SegmentDocument): boolean {
  return document.end_time !== undefined && !document.in_progress;
}

/** Every segment and subsegment, nested ones included, once by id (a completed document wins over an in-progress one). */
function flatten(documents: Iterable<SegmentDocument>): Map<string, Flat> {
  const byId = new Map<string, Flat>();
  const visit = (document: SegmentDocument, container?: SegmentDocument) => {
    if (!document || typeof document.id !== 'string') return;
    const kind = container || document.type === 'subsegment' ? 'subsegment' : 'segment';
    const flat: Flat = { document, parentId: container?.id ?? document.parent_id, kind };
    const known = byId.get(document.id);
    if (!known || (!isComplete(known.document) && isComplete(document))) byId.set(document.id, flat);
    for (const child of document.subsegments ?? []) visit(child, document);
  };
  for (const document of documents) visit(document);
  return byId;
}

function stackLine(frame: XRayStackFrame): string {
  const where = frame.path ? ` (${frame.path}${frame.line != null ? `:${frame.line}` : ''})` : '';
  return `${frame.label ?? '<anonymous>'}${where}`;
}

function exceptionsOf(document: SegmentDocument, allExceptions: Map<string, XRayException>): RowException[] {
  const cause = document.cause;
  if (cause === undefined) return [];
  const list = typeof cause === 'string' ? [allExceptions.get(cause) ?? { message: `see exception ${cause}` }] : (cause.exceptions ?? []);
  return list.map((exception) => ({
    type: exception.type ?? 'Error',
    message: exception.message ?? '',
    remote: exception.remote === true,
    stack: (exception.stack ?? []).map(stackLine),
  }));
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The timeline of one trace from its documents, in any order, nested or sent one by one. */
export function buildTimeline(traceId: string, documents: Iterable<SegmentDocument>): TraceTimeline {
  const byId = flatten(documents);
  const allExceptions = new Map<string, XRayException>();
  for (const { document } of byId.values()) {
    if (typeof document.cause === 'object') for (const exception of document.cause.exceptions ?? []) if (exception.id) allExceptions.set(exception.id, exception);
  }
  const children = new Map<string, Flat[]>();
  const roots: Flat[] = [];
  for (const flat of byId.values()) {
    if (flat.parentId && byId.has(flat.parentId)) {
      const siblings = children.get(flat.parentId) ?? [];
      siblings.push(flat);
      children.set(flat.parentId, siblings);
    } else {
      roots.push(flat);
    }
  }
  const byStart = (a: Flat, b: Flat) => a.document.start_time - b.document.start_time || a.document.name.localeCompare(b.document.name);
  roots.sort((a, b) => (a.kind === b.kind ? byStart(a, b) : a.kind === 'segment' ? -1 : 1));

  const starts = [...byId.values()].map(({ document }) => document.start_time).filter(Number.isFinite);
  const ends = [...byId.values()].map(({ document }) => document.end_time ?? document.start_time).filter(Number.isFinite);
  const startTime = starts.length > 0 ? Math.min(...starts) : 0;
  const endTime = ends.length > 0 ? Math.max(...ends) : startTime;

  const rows: TimelineRow[] = [];
  const visit = (flat: Flat, depth: number, service: string) => {
    const { document } = flat;
    const own = flat.kind === 'segment' ? document.name : service;
    const status = httpStatusOf(document);
    rows.push({
      id: document.id,
      parentId: flat.parentId,
      depth,
      name: document.name,
      kind: flat.kind,
      service: own,
      origin: document.origin,
      namespace: document.namespace,
      operation: typeof document.aws?.operation === 'string' ? document.aws.operation : undefined,
      start: round((document.start_time - startTime) * 1000),
      duration: isComplete(document) ? round((document.end_time! - document.start_time) * 1000) : undefined,
      status: statusOf(document),
      httpStatus: status,
      exceptions: exceptionsOf(document, allExceptions),
      failing: false,
      inProgress: !isComplete(document),
      orphan: depth === 0 && flat.parentId !== undefined,
    });
    for (const child of (children.get(document.id) ?? []).sort(byStart)) visit(child, depth + 1, own);
  };
  for (const root of roots) visit(root, 0, root.kind === 'segment' ? root.document.name : '(parent not recorded)');

  const failing = findFailing(rows);
  if (failing) failing.failing = true;
  const entry = roots.find((root) => root.kind === 'segment')?.document;
  return {
    id: traceId,
    startTime,
    duration: round((endTime - startTime) * 1000),
    status: worst(rows.map((row) => row.status)),
    rows,
    failing,
    entry: entry?.name,
    http: entry?.http
      ? { method: entry.http.request?.method, url: entry.http.request?.url, status: entry.http.response?.status }
      : undefined,
  };
}

function httpStatusOf(document: SegmentDocument): number | undefined {
  const status = document.http?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Where the failure started: the fault (else error or throttle) with no failing row below it, earliest first. */
function findFailing(rows: TimelineRow[]): TimelineRow | undefined {
  for (const statuses of [['fault'], ['throttle', 'error']] as Status[][]) {
    const candidates = rows.filter((row) => statuses.includes(row.status));
    const ids = new Set(candidates.map((row) => row.id));
    // Descendants, not only children: a fault may sit below rows that are fine (a fault inside an ok subsegment).
    const leaves = candidates.filter((row) => !hasFailingDescendant(row, rows, ids));
    if (leaves.length > 0) return leaves.sort((a, b) => b.depth - a.depth || a.start - b.start)[0];
  }
  return undefined;
}

function hasFailingDescendant(row: TimelineRow, rows: TimelineRow[], failingIds: Set<string>): boolean {
  // Rows are in tree order: a row's descendants follow it, deeper than it.
  const index = rows.indexOf(row);
  for (let i = index + 1; i < rows.length && rows[i]!.depth > row.depth; i++) if (failingIds.has(rows[i]!.id)) return true;
  return false;
}

/** Services a subsegment calls without a segment of their own (SNS, DynamoDB, an HTTP API): inferred nodes. */
function inferredType(row: TimelineRow): string {
  return row.namespace === 'aws' ? `AWS::${row.name.replace(/^AWS::/, '')}` : 'remote';
}

/** The service map of some traces: the client, each service (segment) and each downstream call (remote subsegment). */
export function buildServiceMap(traces: Iterable<TraceTimeline>): ServiceMap {
  const nodes = new Map<string, MapNode>();
  const edges = new Map<string, MapEdge>();
  let count = 0;
  const node = (id: string, name: string, type: string) => {
    let found = nodes.get(id);
    if (!found) nodes.set(id, (found = { id, name, type, requests: 0, errors: 0, throttles: 0, faults: 0, depth: 0 }));
    return found;
  };
  const tally = (target: { requests: number; errors: number; throttles: number; faults: number }, status: Status) => {
    target.requests += 1;
    if (status === 'fault') target.faults += 1;
    if (status === 'error') target.errors += 1;
    if (status === 'throttle') target.throttles += 1;
  };
  const edge = (from: string, to: string, status: Status) => {
    const key = `${from}\u0000${to}`;
    let found = edges.get(key);
    if (!found) edges.set(key, (found = { from, to, requests: 0, errors: 0, throttles: 0, faults: 0 }));
    tally(found, status);
  };
  const client = () => node('client', 'Client', 'client');

  for (const trace of traces) {
    count += 1;
    const byId = new Map(trace.rows.map((row) => [row.id, row]));
    const segmentOf = (row: TimelineRow | undefined): TimelineRow | undefined => {
      while (row && row.kind !== 'segment') row = row.parentId ? byId.get(row.parentId) : undefined;
      return row;
    };
    const nodeIdOf = (segment: TimelineRow) => `${segment.origin ?? 'service'}|${segment.name}`;
    const parents = new Set(trace.rows.map((row) => row.parentId));
    for (const row of trace.rows) {
      if (row.kind === 'segment') {
        const target = node(nodeIdOf(row), row.name, row.origin ?? 'service');
        tally(target, row.status);
        const caller = segmentOf(row.parentId ? byId.get(row.parentId) : undefined);
        if (caller) edge(nodeIdOf(caller), target.id, row.status);
        else {
          tally(client(), row.status);
          edge('client', target.id, row.status);
        }
      } else if ((row.namespace === 'aws' || row.namespace === 'remote') && !parents.has(row.id)) {
        // A downstream call whose callee recorded no segment of its own (no child segment points at it).
        const type = inferredType(row);
        const target = node(`${type}|${row.name}`, row.name, type);
        tally(target, row.status);
        const caller = segmentOf(row);
        edge(caller ? nodeIdOf(caller) : 'client', target.id, row.status);
      }
    }
  }
  // Lay out by the longest path from the client (the graph of calls has no cycles in practice; cap it anyway).
  const list = [...nodes.values()];
  for (let pass = 0; pass < list.length; pass++) {
    let changed = false;
    for (const { from, to } of edges.values()) {
      const source = nodes.get(from);
      const target = nodes.get(to);
      if (source && target && target.depth < source.depth + 1 && source.depth + 1 < list.length + 1) {
        target.depth = source.depth + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return {
    nodes: list.sort((a, b) => a.depth - b.depth || a.name.localeCompare(b.name)),
    edges: [...edges.values()],
    traces: count,
  };
}

/** One line about the failing row: "SNS (aws Publish HTTP 500) InternalErrorException: SNS is down". */
export function describeFailing(row: TimelineRow): string {
  const details = [row.namespace ?? row.origin, row.operation, row.httpStatus !== undefined ? `HTTP ${row.httpStatus}` : undefined]
    .filter(Boolean)
    .join(' ');
  const exception = row.exceptions[0];
  return `${row.name}${details ? ` (${details})` : ''}${exception ? ` ${exception.type}: ${exception.message}` : ''}`;
}
