// What the dev server recorded, in the X-Ray API's shapes, for the X-Ray read API it serves under /_xray
// (../local/local-xray-api.ts answers with it): the sampled requests' traces and their summaries, the sampling
// rules the stage is sampled by (X-Ray's own Default rule among them, as in an account), and the counts its
// sampler kept per rule and 10-second window.
import type { ProjectSettings } from '../contract/project.js';
import { xrayServiceName } from '../contract/project.js';
import type { FixtureSamplingRule, FixtureStatistic, FixtureTrace, XRaySource } from '../local/local-xray-api.js';
import type { TraceTimeline } from '../traces/segments.js';
import type { ServedRoutes } from './routes.js';
import type { TraceStore } from './trace-store.js';

/** The account's own rule, which every account holds at priority 10000 (Terraform never manages it). */
const ACCOUNT_DEFAULT_RULE: FixtureSamplingRule = {
  RuleName: 'Default',
  Priority: 10000,
  FixedRate: 0.05,
  ReservoirSize: 1,
  ServiceName: '*',
  ServiceType: '*',
  HTTPMethod: '*',
  URLPath: '*',
};

/** A trace's summary as GetTraceSummaries returns one. */
export function summaryOf(timeline: TraceTimeline): Record<string, unknown> {
  const segments = timeline.rows.filter((row) => row.kind === 'segment');
  const services = new Map(segments.map((row) => [row.name, { Name: row.name, Names: [row.name], Type: row.origin }]));
  return {
    Id: timeline.id,
    ...(timeline.startTime !== undefined ? { StartTime: timeline.startTime } : {}),
    ...(timeline.duration !== undefined ? { Duration: timeline.duration / 1000, ResponseTime: timeline.duration / 1000 } : {}),
    HasFault: timeline.rows.some((row) => row.status === 'fault'),
    HasError: timeline.rows.some((row) => row.status === 'error'),
    HasThrottle: timeline.rows.some((row) => row.status === 'throttle'),
    IsPartial: timeline.inProgress,
    ...(timeline.http ? { Http: { HttpMethod: timeline.http.method, HttpURL: timeline.http.url, HttpStatus: timeline.http.status } } : {}),
    ...(timeline.entry ? { EntryPoint: { Name: timeline.entry, Names: [timeline.entry], Type: services.get(timeline.entry)?.Type } } : {}),
    ServiceIds: [...services.values()],
  };
}

export class RecordedXRay implements XRaySource {
  constructor(
    private readonly settings: ProjectSettings,
    private readonly routes: ServedRoutes,
    private readonly store: TraceStore,
  ) {}

  traces(): FixtureTrace[] {
    return this.store.doneTraces().map(({ id, documents, timeline }) => ({
      id,
      start: timeline.startTime ?? Date.now() / 1000,
      summary: summaryOf(timeline),
      documents,
    }));
  }

  samplingRules(): FixtureSamplingRule[] {
    const serviceName = xrayServiceName(this.settings);
    const stageRules = this.routes.table.rules.map((rule) => ({
      RuleName: rule.ruleName,
      Priority: rule.priority,
      FixedRate: rule.fixedRate,
      ReservoirSize: rule.reservoirSize,
      ServiceName: serviceName,
      ServiceType: 'AWS::ApiGateway::Stage',
      HTTPMethod: rule.httpMethod,
      URLPath: rule.urlPath,
    }));
    return [...stageRules, ACCOUNT_DEFAULT_RULE];
  }

  samplingStatistics(): FixtureStatistic[] {
    return this.routes.counts.recent().map((window) => ({
      RuleName: window.ruleName,
      Timestamp: window.start / 1000,
      RequestCount: window.requests,
      SampledCount: window.sampled,
      BorrowCount: 0,
    }));
  }
}
