import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '#core/ports.ts';

/** Publishes escalations with message attributes, so each subscription filters by audience and level. */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly topicArn: string,
    private readonly client = new SNSClient({}),
  ) {}

  async publish(n: Notification): Promise<void> {
    const attributes = { ...n.attributes, complaintId: n.complaintId, step: n.step };
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: n.subject,
        Message: n.message,
        // SNS refuses a String attribute with an empty value (a digest belongs to no one complaint).
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes)
            .filter(([, value]) => value !== '')
            .map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    );
  }
}
