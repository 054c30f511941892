// Traces shaped as X-Ray returns them (BatchGetTraces: one document per segment, subsegments nested; see
// https://docs.aws.amazon.com/xray/latest/devguide/aws-xray-interface-api-segmentdocuments.html): a request
// through this project's API stage to the example function, whose SNS call failed or succeeded.
import { randomBytes } from 'node:crypto';
import type { FixtureTrace } from '../../src/local/local-xray-api.js';
import type { SegmentDocument } from '../../src/traces/segments.js';
import { xrayServiceName as serviceNameOf, type ProjectSettings } from '../../src/contract/project.js';

type FixtureProject = Pick<ProjectSettings, 'name' | 'stage' | 'region' | 'topicName'>;
/** The project the traces belong to, unless a test gives its own. */
export const FIXTURE_PROJECT: FixtureProject = { name: 'orders-api', stage: 'dev', region: 'us-east-1', topicName: 'orders-api-dev-events' };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export function traceId(start: number): string {
  return `1-${Math.floor(start).toString(16)}-${hex(12)}`;
}

/** API Gateway stage -> Lambda -> the function -> SNS, the SNS call failing when `snsFails`. */
export function exampleTrace({
  start,
  snsFails,
  functionName,
  project = FIXTURE_PROJECT,
}: {
  start: number;
  snsFails: boolean;
  functionName: string;
  project?: FixtureProject;
}): FixtureTrace {
  const xrayServiceName = () => serviceNameOf(project);
  const id = traceId(start);
  const account = '123456789012';
  const functionArn = `arn:aws:lambda:${project.region}:${account}:function:${functionName}`;
  const topicArn = `arn:aws:sns:${project.region}:${account}:${project.topicName}`;
  const ids = { api: hex(8), invoke: hex(8), lambda: hex(8), fn: hex(8), sns: hex(8), init: hex(8), invocation: hex(8), overhead: hex(8) };
  const status = snsFails ? 502 : 200;
  const url = `https://abcdef1234.execute-api.${project.region}.amazonaws.com/${project.stage}/orders`;
  const t = (ms: number) => start + ms / 1000;
  const api: SegmentDocument = {
    id: ids.api,
    trace_id: id,
    name: xrayServiceName(),
    origin: 'AWS::ApiGateway::Stage',
    start_time: t(0),
    end_time: t(412),
    resource_arn: `arn:aws:apigateway:${project.region}::/restapis/abcdef1234/stages/${project.stage}`,
    http: { request: { url, method: 'POST', user_agent: 'curl/8.5.0', client_ip: '203.0.113.7', x_forwarded_for: true }, response: { status, content_length: 0 } },
    aws: { api_gateway: { account_id: account, rest_api_id: 'abcdef1234', stage: project.stage, request_id: hex(16) } },
    annotations: {},
    metadata: { default: { extended_request_id: 'Abc123=', request_id: hex(16) } },
    ...(snsFails ? { fault: true } : {}),
    subsegments: [
      {
        id: ids.invoke,
        name: 'Lambda',
        start_time: t(2),
        end_time: t(410),
        http: { request: { url: `https://lambda.${project.region}.amazonaws.com/2015-03-31/functions/${functionArn}/invocations`, method: 'POST' }, response: { status: 200, content_length: 90 } },
        aws: { function_name: functionName, region: project.region, operation: 'Invoke', resource_names: [functionName] },
        namespace: 'aws',
      },
    ],
  };
  const lambda: SegmentDocument = {
    id: ids.lambda,
    trace_id: id,
    parent_id: ids.invoke,
    name: functionName,
    origin: 'AWS::Lambda',
    start_time: t(5),
    end_time: t(408),
    resource_arn: functionArn,
    http: { response: { status: 200 } },
    aws: { request_id: hex(16) },
  };
  const fn: SegmentDocument = {
    id: ids.fn,
    trace_id: id,
    parent_id: ids.lambda,
    name: functionName,
    origin: 'AWS::Lambda::Function',
    start_time: t(8),
    end_time: t(405),
    resource_arn: functionArn,
    aws: { account_id: account, function_arn: functionArn, resource_names: [functionName] },
    subsegments: [
      { id: ids.init, name: 'Initialization', start_time: t(8), end_time: t(190), aws: { function_arn: functionArn } },
      { id: ids.invocation, name: 'Invocation', start_time: t(192), end_time: t(400), aws: { function_arn: functionArn } },
      {
        id: ids.sns,
        name: 'SNS',
        namespace: 'aws',
        start_time: t(200),
        end_time: t(395),
        http: { response: { status: snsFails ? 500 : 200 } },
        aws: { operation: 'Publish', region: project.region, request_id: hex(16), retries: snsFails ? 2 : 0, topic_arn: topicArn },
        ...(snsFails
          ? {
              fault: true,
              cause: {
                working_directory: '/var/task',
                exceptions: [
                  {
                    id: hex(8),
                    message: 'SNS is down',
                    type: 'InternalErrorException',
                    remote: true,
                    stack: [{ path: '/var/task/index.js', line: 7, label: 'AwsQueryProtocol.handleError' }],
                  },
                ],
              },
            }
          : {}),
      },
      { id: ids.overhead, name: 'Overhead', start_time: t(400), end_time: t(404), aws: { function_arn: functionArn } },
    ],
  };
  const summary = {
    Id: id,
    StartTime: start,
    Duration: 0.412,
    ResponseTime: 0.412,
    HasFault: snsFails,
    HasError: false,
    HasThrottle: false,
    IsPartial: false,
    Http: { HttpURL: url, HttpStatus: status, HttpMethod: 'POST', UserAgent: 'curl/8.5.0', ClientIp: '203.0.113.7' },
    Annotations: {},
    Users: [],
    ServiceIds: [
      { Name: xrayServiceName(), Names: [xrayServiceName()], AccountId: account, Type: 'AWS::ApiGateway::Stage' },
      { Name: functionName, Names: [functionName], AccountId: account, Type: 'AWS::Lambda::Function' },
      { Name: 'SNS', Names: ['SNS'], Type: 'AWS::SNS' },
    ],
    EntryPoint: { Name: xrayServiceName(), Names: [xrayServiceName()], AccountId: account, Type: 'AWS::ApiGateway::Stage' },
    FaultRootCauses: snsFails
      ? [
          {
            Services: [
              {
                Name: 'SNS',
                Names: ['SNS'],
                Type: 'AWS::SNS',
                EntityPath: [
                  { Name: functionName, Exceptions: [], Remote: false },
                  { Name: 'SNS', Exceptions: [{ Name: 'InternalErrorException', Message: 'SNS is down' }], Remote: true },
                ],
                Inferred: true,
              },
            ],
            ClientImpacting: true,
          },
        ]
      : [],
    ErrorRootCauses: [],
    ResponseTimeRootCauses: [],
    Revision: 2,
  };
  return { id, start, summary, documents: [api, lambda, fn] };
}
