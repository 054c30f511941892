// traced-api-devkit/testing: what a generated project's tests need to run its handlers as API Gateway and
// Lambda would, traced, with AWS on loopback: events and contexts, a built handler run as the Lambda Node.js
// runtime runs it, a local SNS endpoint, a local UDP X-Ray daemon (X-Ray documents and OpenTelemetry spans) and a
// local X-Ray API.
export * from '../local/events.js';
export * from '../local/lambda-runtime.js';
export * from '../local/local-sns.js';
export * from '../local/local-xray-daemon.js';
export * from '../local/local-xray-api.js';
export * from './project.js';
export { xrayTraceId } from '../traces/otel-spans.js';
