import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { OperationsPager } from '#core/ports.ts';

/** Publishes to the operations topic (the one the alarms use); `kind` lets a subscription filter. */
export class SnsOperationsPager implements OperationsPager {
  constructor(
    private readonly topicArn: string,
    private readonly client = new SNSClient({}),
  ) {}

  async page(notice: Parameters<OperationsPager['page']>[0]): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: notice.subject,
        Message: notice.message,
        MessageAttributes: { kind: { DataType: 'String', StringValue: notice.kind } },
      }),
    );
  }
}
