// The bench's "Powertools" bundle of the example handler (figure 8): the generated createOrder handler, unchanged,
// wrapped as Powertools documents for a function handler: the `captureLambdaHandler` middy middleware (a
// `## index.handler` subsegment, the ColdStart annotation, the response or error as metadata). bench/run.js
// resolves the two `generated-*` imports to the project's files; its src/lib/tracing.ts is powertools-tracing.ts here.
import middy from '@middy/core';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
// @ts-expect-error resolved by bench/run.js to the project's src/handlers/createOrder.ts
import { handler as createOrder } from 'generated-handler';
// @ts-expect-error resolved by bench/run.js to the project's src/lib/tracing.ts, which is powertools-tracing.ts
import { tracer } from 'generated-tracing';

export const handler = middy(createOrder).use(captureLambdaHandler(tracer));
