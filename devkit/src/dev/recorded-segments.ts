// The segments the dev server writes itself, as the AWS services would: the API stage's segment (with its
// Lambda Invoke subsegment) that API Gateway records with stage tracing on, and the function's segment (with
// its Initialization subsegment on a cold start) that Lambda records. The handler's own subsegments come from
// the X-Ray SDK in its process, through the local daemon.
import type { SegmentDocument } from '../traces/segments.js';
import type { ProjectSettings } from '../contract/project.js';
import { xrayServiceName } from '../contract/project.js';
import type { Invocation } from './pool.js';
import { newSegmentId, type TraceContext } from './trace-context.js';

const ACCOUNT_ID = '123456789012';

/** What API Gateway knew of one request, for its segment. */
export interface StageRequest {
  method: string;
  /** The URL as the client asked for it. */
  url: string;
  clientIp?: string;
  userAgent?: string;
  requestId: string;
  status: number;
  contentLength: number;
  /** Epoch ms. */
  start: number;
  end: number;
}

/** The Lambda call the stage made, for its Invoke subsegment. */
export interface StageInvoke {
  functionName: string;
  /** Epoch ms; `end` is when API Gateway stopped waiting (the answer, or its integration timeout). */
  start: number;
  end: number;
  timedOut: boolean;
}

export function statusFlags(status: number): Pick<SegmentDocument, 'fault' | 'error' | 'throttle'> {
  if (status >= 500) return { fault: true };
  if (status === 429) return { error: true, throttle: true };
  if (status >= 400) return { error: true };
  return {};
}

/** The API stage's segment (AWS::ApiGateway::Stage). */
export function stageSegment(settings: ProjectSettings, trace: TraceContext, request: StageRequest, invoke?: StageInvoke): SegmentDocument {
  return {
    id: trace.segmentIds.stage,
    trace_id: trace.traceId,
    name: xrayServiceName(settings),
    origin: 'AWS::ApiGateway::Stage',
    start_time: request.start / 1000,
    end_time: request.end / 1000,
    resource_arn: `arn:aws:apigateway:${settings.region}::/restapis/local/stages/${settings.stage}`,
    http: {
      request: { method: request.method, url: request.url, client_ip: request.clientIp, user_agent: request.userAgent },
      response: { status: request.status, content_length: request.contentLength },
    },
    aws: { api_gateway: { account_id: ACCOUNT_ID, rest_api_id: 'local', stage: settings.stage, request_id: request.requestId } },
    annotations: {},
    metadata: {},
    ...statusFlags(request.status),
    subsegments: invoke
      ? [
          {
            id: trace.segmentIds.invoke,
            name: 'Lambda',
            namespace: 'aws',
            start_time: invoke.start / 1000,
            end_time: invoke.end / 1000,
            ...(invoke.timedOut ? { fault: true } : { http: { response: { status: 200 } } }),
            aws: { function_name: invoke.functionName, region: settings.region, operation: 'Invoke', resource_names: [invoke.functionName] },
          },
        ]
      : [],
  };
}

/** The function's segment (AWS::Lambda::Function), faulted with the error when the invocation failed. */
export function functionSegment(settings: ProjectSettings, trace: TraceContext, functionName: string, invocation: Invocation, workingDirectory: string): SegmentDocument {
  const { outcome, init } = invocation;
  const resourceArn = `arn:aws:lambda:${settings.region}:${ACCOUNT_ID}:function:${functionName}`;
  return {
    id: trace.segmentIds.function,
    trace_id: trace.traceId,
    ...(trace.parent ? { parent_id: trace.parent } : {}),
    name: functionName,
    origin: 'AWS::Lambda::Function',
    start_time: (init?.start ?? invocation.start) / 1000,
    end_time: invocation.end / 1000,
    resource_arn: resourceArn,
    aws: { function_arn: resourceArn, resource_names: [functionName], account_id: ACCOUNT_ID },
    ...(outcome.error !== undefined
      ? {
          fault: true,
          cause: {
            working_directory: workingDirectory,
            exceptions: [{ id: newSegmentId(), type: outcome.errorType ?? 'Error', message: outcome.errorMessage ?? '', remote: false }],
          },
        }
      : {}),
    subsegments: init ? [{ id: newSegmentId(), name: 'Initialization', start_time: init.start / 1000, end_time: init.end / 1000, aws: { function_arn: resourceArn } }] : [],
  };
}
