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
  /** Required by the format, yet missing from some documents (shown as such, never as NaN). */
  start_time?: number;
  end_time?: number;
  in_progress?: boolean;
  /** X-Ray made this segment from the calling subsegment (BatchGetTraces output). */
  inferred?: boolean;
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

/** An exception as recorded: every field but `remote` and `stack` only when the document gives it. */
export interface RowException {
  id?: string;
  type?: string;
  message?: string;
  remote: boolean;
  /** "label (path:line)", innermost first. */
  stack: string[];
  /** Stack frames left out of `stack` by the SDK. */
  truncated?: number;
}

/** What a row's cause is, beyond its exceptions; present on every row with a cause and every failing one. */
export interface RowCause {
  /** Where the exceptions come from when not from this document, or why there are none: one line. */
  note?: string;
  workingDirectory?: string;
  paths?: string[];
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
  /** Milliseconds from the start of the trace; undefined when the document has no start_time. */
  start?: number;
  /** Milliseconds; undefined while in progress or without a start_time. */
  duration?: number;
  /**
   * Milliseconds from the start of the trace where the row's bar ends: its end, or while in progress the end
   * of its closest finished ancestor (else of the trace as far as recorded); undefined without a start_time.
   */
  until?: number;
  status: Status;
  httpStatus?: number;
  /** Its own exceptions, the one its cause names by id, or, for an inferred segment without any, its caller's. */
  exceptions: RowException[];
  cause?: RowCause;
  /** The failing segment: the deepest fault (else error) of the trace, where the failure started. */
  failing: boolean;
  inProgress: boolean;
  inferred: boolean;
  /** It names a parent (`parentId`) that is not in the trace: not recorded, or not received yet. */
  orphan: boolean;
}

export interface TraceTimeline {
  id: string;
  /** Epoch seconds of the earliest time a document records; undefined when none records one. */
  startTime?: number;
  /** Milliseconds from the earliest to the latest time recorded: the scale both views draw on. */
  span: number;
  /** Milliseconds from the earliest start to the latest end; undefined while in progress or when no document has a start. */
  duration?: number;
  /** The entry (else every root) has not ended yet. */
  inProgress: boolean;
  status: Status;
  rows: TimelineRow[];
  failing?: TimelineRow;
  /** The entry point: the first root segment whose parent is not missing (else the first root), by name. */
  entry?: string;
  http?: { method?: string; url?: string; status?: number };
}

export interface MapNode {
  id: string;
  name: string;
  /** client, unrecorded (a caller whose documents are not in the traces), AWS::ApiGateway::Stage, AWS::Lambda::Function, AWS::SNS (inferred from a subsegment), ... */
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

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function isComplete(document: SegmentDocument): boolean {
  return finite(document.end_time) && !document.in_progress;
}

/** Every segment and subsegment, nested ones included, once by id (a completed document wins over an in-progress one). */
function flatten(documents: Iterable<SegmentDocument>): Map<string, Flat> {
  const byId = new Map<string, Flat>();
  // A stack, not recursion: a document nested a hundred thousand levels deep must not overflow the call stack.
  const stack: { document: SegmentDocument; container?: SegmentDocument }[] = [];
  for (const top of documents) {
    stack.push({ document: top });
    while (stack.length > 0) {
      const { document, container } = stack.pop()!;
      if (!document || typeof document !== 'object' || typeof document.id !== 'string') continue;
      const kind = container || document.type === 'subsegment' ? 'subsegment' : 'segment';
      const flat: Flat = { document, parentId: container?.id ?? document.parent_id, kind };
      const known = byId.get(document.id);
      if (!known || (!isComplete(known.document) && isComplete(document))) byId.set(document.id, flat);
      const children = Array.isArray(document.subsegments) ? document.subsegments : [];
      for (let i = children.length - 1; i >= 0; i--) stack.push({ document: children[i]!, container: document });
    }
  }
  return byId;
}

/** "label (path:line)", with only the parts the frame records. */
function stackLine(frame: XRayStackFrame): string {
  const where = frame.path ? `${frame.path}${frame.line != null ? `:${frame.line}` : ''}` : '';
  if (!frame.label) return where || '(empty stack frame)';
  return where ? `${frame.label} (${where})` : frame.label;
}

function rowException(exception: XRayException): RowException {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    id: text(exception.id),
    type: text(exception.type),
    message: text(exception.message),
    remote: exception.remote === true,
    stack: (exception.stack ?? []).map(stackLine),
    ...(finite(exception.truncated) && exception.truncated > 0 ? { truncated: exception.truncated } : {}),
  };
}

interface CauseObject {
  working_directory?: unknown;
  paths?: unknown;
  exceptions?: unknown;
}

const causeObject = (cause: unknown): CauseObject | undefined =>
  cause !== null && typeof cause === 'object' && !Array.isArray(cause) ? (cause as CauseObject) : undefined;
const exceptionList = (cause: unknown): XRayException[] => {
  const list = causeObject(cause)?.exceptions;
  return Array.isArray(list) ? list.filter((item): item is XRayException => item !== null && typeof item === 'object') : [];
};

/** Exceptions by id, with the document that recorded each: a cause may name one recorded elsewhere in the trace. */
function exceptionsById(byId: Map<string, Flat>): Map<string, { exception: XRayException; recordedOn: SegmentDocument }> {
  const found = new Map<string, { exception: XRayException; recordedOn: SegmentDocument }>();
  for (const { document } of byId.values()) {
    for (const exception of exceptionList(document.cause)) if (typeof exception.id === 'string') found.set(exception.id, { exception, recordedOn: document });
  }
  return found;
}

/** A row's exceptions and cause, in each shape X-Ray documents: exceptions, an exception id, working_directory and paths. */
function causeOf(
  flat: Flat,
  status: Status,
  byId: Map<string, Flat>,
  allExceptions: ReturnType<typeof exceptionsById>,
): { exceptions: RowException[]; cause?: RowCause } {
  const { cause: given } = flat.document;
  if (typeof given === 'string') {
    const known = allExceptions.get(given);
    if (!known) return { exceptions: [], cause: { note: `exception ${given}, not in this trace` } };
    const where = known.recordedOn === flat.document ? '' : `, recorded on ${known.recordedOn.name}`;
    return { exceptions: [rowException(known.exception)], cause: { note: `exception ${given}${where}` } };
  }
  const object = causeObject(given);
  if (given !== undefined && !object) return { exceptions: [], cause: { note: `cause in a shape X-Ray does not document: ${JSON.stringify(given).slice(0, 80)}` } };
  const exceptions = exceptionList(given).map(rowException);
  const cause: RowCause = {};
  if (typeof object?.working_directory === 'string') cause.workingDirectory = object.working_directory;
  if (Array.isArray(object?.paths)) cause.paths = object.paths.filter((item): item is string => typeof item === 'string');
  if (exceptions.length === 0 && status !== 'ok') {
    // X-Ray puts the exceptions of a call on the caller's subsegment, not on the segment it infers for the callee.
    const caller = flat.document.inferred && flat.parentId ? byId.get(flat.parentId)?.document : undefined;
    const callers = exceptionList(caller?.cause).map(rowException);
    if (caller && callers.length > 0) return { exceptions: callers, cause: { ...cause, note: `recorded by its caller, subsegment ${caller.name} (${caller.id})` } };
    cause.note = given === undefined ? 'no cause recorded' : 'no exceptions recorded';
  }
  return { exceptions, cause: Object.keys(cause).length > 0 ? cause : undefined };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const naturally = new Intl.Collator('en', { numeric: true });

/** A row to draw: its document, depth, the service it belongs to, and until when an unfinished one is drawn. */
interface Visit {
  flat: Flat;
  depth: number;
  service: string;
  openUntil: number;
}

/** The timeline of one trace from its documents, in any order, nested or sent one by one. */
export function buildTimeline(traceId: string, documents: Iterable<SegmentDocument>): TraceTimeline {
  const byId = flatten(documents);
  const allExceptions = exceptionsById(byId);
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
  const isOrphan = (flat: Flat) => flat.parentId !== undefined && !byId.has(flat.parentId);
  // Earliest first; a document without start_time after those with one; ties by name in natural order
  // (Iteration 2 before Iteration 10), then as the documents came (the sort is stable).
  const startOf = (flat: Flat) => (finite(flat.document.start_time) ? flat.document.start_time : Number.POSITIVE_INFINITY);
  const byStart = (a: Flat, b: Flat) =>
    (startOf(a) === startOf(b) ? 0 : startOf(a) < startOf(b) ? -1 : 1) || naturally.compare(String(a.document.name), String(b.document.name));
  // Roots: the entry's kind first (segments whose parent is not missing), then orphans, then stand-alone subsegments.
  const rootRank = (flat: Flat) => (isOrphan(flat) ? 1 : 0) + (flat.kind === 'segment' ? 0 : 2);
  roots.sort((a, b) => rootRank(a) - rootRank(b) || byStart(a, b));

  const times = [...byId.values()].flatMap(({ document }) => [document.start_time, document.end_time]).filter(finite);
  const startTime = times.length > 0 ? times.reduce((min, time) => Math.min(min, time)) : undefined;
  const span = times.length > 0 ? round((times.reduce((max, time) => Math.max(max, time)) - startTime!) * 1000) : 0;
  const sinceStart = (seconds: number) => round((seconds - startTime!) * 1000);

  const rows: TimelineRow[] = [];
  const visit = (flat: Flat, depth: number, service: string, openUntil: number): Visit[] => {
    const { document } = flat;
    const own = flat.kind === 'segment' ? document.name : service;
    const status = statusOf(document);
    const complete = isComplete(document);
    const started = finite(document.start_time);
    const start = started ? sinceStart(document.start_time!) : undefined;
    const end = complete ? sinceStart(document.end_time!) : undefined;
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
      start,
      duration: started && complete ? round((document.end_time! - document.start_time!) * 1000) : undefined,
      until: start === undefined ? undefined : (end ?? Math.max(start, openUntil)),
      status,
      httpStatus: httpStatusOf(document),
      ...causeOf(flat, status, byId, allExceptions),
      failing: false,
      inProgress: !complete,
      inferred: document.inferred === true,
      orphan: isOrphan(flat),
    });
    return (children.get(document.id) ?? []).sort(byStart).map((child) => ({ flat: child, depth: depth + 1, service: own, openUntil: end ?? openUntil }));
  };
  // Depth first in tree order, with a stack of its own (no recursion, however deep the trace nests).
  const stack: Visit[] = roots.map((root) => ({ flat: root, depth: 0, service: root.kind === 'segment' ? root.document.name : '(parent not recorded)', openUntil: span })).reverse();
  while (stack.length > 0) {
    const next = stack.pop()!;
    const children = visit(next.flat, next.depth, next.service, next.openUntil);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }

  const failing = findFailing(rows);
  if (failing) failing.failing = true;
  const entryFlat = roots.find((root) => root.kind === 'segment' && !isOrphan(root)) ?? roots.find((root) => root.kind === 'segment') ?? roots[0];
  const entry = entryFlat?.document;
  const inProgress = entryFlat ? !isComplete(entryFlat.document) : false;
  const anyStart = [...byId.values()].some(({ document }) => finite(document.start_time));
  return {
    id: traceId,
    startTime,
    span,
    duration: inProgress || !anyStart ? undefined : span,
    inProgress,
    status: worst(rows.map((row) => row.status)),
    rows,
    failing,
    entry: entry?.name,
    http: entry?.http
      ? { method: entry.http.request?.method, url: entry.http.request?.url, status: httpStatusOf(entry) }
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
    const below = failingBelow(rows, ids);
    const leaves = candidates.filter((row) => !below.has(row));
    if (leaves.length > 0) return leaves.sort((a, b) => b.depth - a.depth || (a.start ?? Infinity) - (b.start ?? Infinity))[0];
  }
  return undefined;
}

/** The rows with a failing row among their descendants: one pass from the end, linear however deep the tree. */
function failingBelow(rows: TimelineRow[], failingIds: Set<string>): Set<TimelineRow> {
  // Rows are in tree order: a row's descendants follow it, deeper than it.
  const found = new Set<TimelineRow>();
  const after: { depth: number; failing: boolean }[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    let failing = false;
    while (after.length > 0 && after[after.length - 1]!.depth > row.depth) failing = after.pop()!.failing || failing;
    if (failing) found.add(row);
    after.push({ depth: row.depth, failing: failing || failingIds.has(row.id) });
  }
  return found;
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
  // A document whose parent is not in the trace was called by something not recorded: not the client.
  const unrecorded = () => node('unrecorded', 'caller not recorded', 'unrecorded');
  const fromOutside = (root: TimelineRow, status: Status) => {
    const caller = root.orphan ? unrecorded() : client();
    tally(caller, status);
    return caller.id;
  };

  for (const trace of traces) {
    count += 1;
    const byId = new Map(trace.rows.map((row) => [row.id, row]));
    const segmentOf = (row: TimelineRow | undefined): TimelineRow | undefined => {
      while (row && row.kind !== 'segment') row = row.parentId ? byId.get(row.parentId) : undefined;
      return row;
    };
    const rootOf = (row: TimelineRow): TimelineRow => {
      while (row.parentId && byId.has(row.parentId)) row = byId.get(row.parentId)!;
      return row;
    };
    const nodeIdOf = (segment: TimelineRow) => `${segment.origin ?? 'service'}|${segment.name}`;
    const parents = new Set(trace.rows.map((row) => row.parentId));
    for (const row of trace.rows) {
      if (row.kind === 'segment') {
        const target = node(nodeIdOf(row), row.name, row.origin ?? 'service');
        tally(target, row.status);
        const caller = segmentOf(row.parentId ? byId.get(row.parentId) : undefined);
        edge(caller ? nodeIdOf(caller) : fromOutside(rootOf(row), row.status), target.id, row.status);
      } else if ((row.namespace === 'aws' || row.namespace === 'remote') && !parents.has(row.id)) {
        // A downstream call whose callee recorded no segment of its own (no child segment points at it).
        const type = inferredType(row);
        const target = node(`${type}|${row.name}`, row.name, type);
        tally(target, row.status);
        const caller = segmentOf(row);
        edge(caller ? nodeIdOf(caller) : fromOutside(rootOf(row), row.status), target.id, row.status);
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
  const cause = exception ? describeException(exception) : row.cause?.note;
  return `${row.name}${details ? ` (${details})` : ''}${cause ? ` ${cause}` : ''}`;
}

/** "Type: message", or what of it was recorded; never a type or message the exception does not carry. */
export function describeException(exception: RowException): string {
  if (exception.type && exception.message) return `${exception.type}: ${exception.message}`;
  return exception.type ?? exception.message ?? (exception.id ? `exception ${exception.id}` : 'exception without type, message or id');
}
