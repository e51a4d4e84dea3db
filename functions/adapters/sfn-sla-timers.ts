import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { SEVERITY_ORDER } from '#core/model/complaint.ts';
import type { SlaTimers } from '#core/ports.ts';

export function executionName(complaintId: string, variant?: string): string {
  return variant ? `${complaintId}-${variant}` : complaintId;
}

/**
 * One Standard execution per complaint, named after it. A repeated start with the same name and input
 * returns the running execution (idempotent); throttling is retried by the SDK's adaptive retry mode and,
 * failing that, by the queue (the processor reports the message as failed).
 */
export class StepFunctionsSlaTimers implements SlaTimers {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client = new SFNClient({ retryMode: 'adaptive', maxAttempts: 6 }),
  ) {}

  private executionArn(complaintId: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${complaintId}`;
  }

  async start(complaintId: string, variant?: string): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName(complaintId, variant),
          input: JSON.stringify({ complaintId }),
        }),
      );
    } catch (error) {
      // Same name and same input is success; ExecutionAlreadyExists means the name was used (also fine:
      // a finished timer must not be restarted, and every execution plans from the complaint's state).
      if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
    }
  }

  async stop(complaintId: string): Promise<void> {
    // Every execution this complaint may have: the first, and one per severity a follow-up raised it to.
    const variants = SEVERITY_ORDER.flatMap((s) => [s, `corrected-${s}`]);
    const names = [executionName(complaintId), ...variants.map((v) => executionName(complaintId, v))];
    await Promise.all(
      names.map((name) =>
        this.client
          .send(
            new StopExecutionCommand({
              executionArn: this.executionArn(name),
              cause: 'complaint acknowledged',
            }),
          )
          .catch((error: unknown) => {
            if ((error as { name?: string }).name !== 'ExecutionDoesNotExist') throw error;
          }),
      ),
    );
  }
}
