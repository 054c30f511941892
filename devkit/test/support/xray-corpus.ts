// The corpus of X-Ray documents others published (test/corpus/, see its README): each file read into the
// segment documents of one trace, plus one large trace assembled from real documents (said so by its name).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SegmentDocument } from '../../src/traces/segments.js';

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'corpus');

export interface CorpusTrace {
  /** The file's name without `.json`, or `assembled-large-trace`. */
  name: string;
  source: string;
  licence: string;
  traceId: string;
  documents: SegmentDocument[];
}

interface PublishedSegment {
  Id?: string;
  Document: string | SegmentDocument;
}
interface PublishedTrace {
  Id: string;
  Segments: PublishedSegment[];
}
interface CorpusFile {
  source: string;
  licence: string;
  batchGetTraces?: { Traces: PublishedTrace[] };
  trace?: PublishedTrace;
  segments?: PublishedSegment[];
  documents?: SegmentDocument[];
}

const parsed = (segment: PublishedSegment): SegmentDocument =>
  typeof segment.Document === 'string' ? (JSON.parse(segment.Document) as SegmentDocument) : segment.Document;

function documentsOf(file: CorpusFile): { traceId?: string; documents: SegmentDocument[] } {
  const trace = file.trace ?? file.batchGetTraces?.Traces[0];
  if (trace) return { traceId: trace.Id, documents: trace.Segments.map(parsed) };
  const documents = file.segments ? file.segments.map(parsed) : (file.documents ?? []);
  return { traceId: documents.find((document) => document.trace_id)?.trace_id, documents };
}

/** Every trace of the corpus, files in name order, the assembled large trace last. */
export function loadCorpus(): CorpusTrace[] {
  const traces = readdirSync(CORPUS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const content = JSON.parse(readFileSync(path.join(CORPUS_DIR, file), 'utf8')) as CorpusFile;
      const { traceId, documents } = documentsOf(content);
      const name = file.replace(/\.json$/, '');
      return { name, source: content.source, licence: content.licence, traceId: traceId ?? name, documents };
    });
  return [...traces, assembledLargeTrace(traces.find((trace) => trace.name === 'otel-ddb-sample')!)];
}

/** The Go SDK's DDB segment with its one subsegment repeated `copies` times, each copy after the one before. */
function assembledLargeTrace(sample: CorpusTrace, copies = 20): CorpusTrace {
  const [segment] = sample.documents as [SegmentDocument];
  const [call] = segment.subsegments as [SegmentDocument];
  // The sample's documents are complete (start and end times): the copies are shifted by their duration.
  const start = (document: SegmentDocument) => document.start_time!;
  const length = (call.end_time ?? start(call)) - start(call);
  const copy = (document: SegmentDocument, index: number, shift: number): SegmentDocument => ({
    ...document,
    // 16 hex digits still: the copy's number in the last three.
    id: `${document.id.slice(0, 13)}${index.toString(16).padStart(3, '0')}`,
    start_time: start(document) + shift,
    ...(document.end_time !== undefined ? { end_time: document.end_time + shift } : {}),
    ...(document.subsegments ? { subsegments: document.subsegments.map((child) => copy(child, index, shift)) } : {}),
  });
  const subsegments = Array.from({ length: copies }, (_, index) => copy(call, index, index * length));
  return {
    name: 'assembled-large-trace',
    source: `assembled from ${sample.source}`,
    licence: sample.licence,
    traceId: segment.trace_id!,
    documents: [{ ...segment, end_time: (segment.end_time ?? start(segment)) + (copies - 1) * length, subsegments }],
  };
}

/** Every document of a trace, nested subsegments included, in document order. */
export function everyDocument(documents: SegmentDocument[]): SegmentDocument[] {
  return documents.flatMap((document) => [document, ...everyDocument(document.subsegments ?? [])]);
}
