// Publishes the API's events to its SNS topic. The client is created once per execution environment and traced
// (src/lib/tracing.ts), so every call is recorded in the invocation's trace ("SNS", operation "Publish") and
// carries the trace on to SNS.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DownstreamError } from './http.js';
import { tracedClient } from './tracing.js';

const sns = tracedClient(new SNSClient({}));

/** Publishes `{ type, detail, time }` as JSON to SNS_TOPIC_ARN; `type` is also a message attribute for filtering. */
export async function publishEvent(type: string, detail: unknown): Promise<string> {
  const topicArn = process.env.SNS_TOPIC_ARN;
  if (!topicArn) throw new Error('SNS_TOPIC_ARN is not set');
  try {
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: JSON.stringify({ type, detail, time: new Date().toISOString() }),
        MessageAttributes: { type: { DataType: 'String', StringValue: type } },
      }),
    );
    return MessageId ?? '';
  } catch (error) {
    throw new DownstreamError('SNS', error);
  }
}
