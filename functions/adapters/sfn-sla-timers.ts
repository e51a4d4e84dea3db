import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { SlaTimers } from '#core/ports.ts';

const isNamed = (error: unknown, name: string) => (error as { name?: string }).name === name;

/**
 * Timer executions on a Standard state machine, under the names the domain gives them. Throttling is
 * retried by the SDK's adaptive retry mode and, failing that, by the queue (the processor reports the
 * message as failed).
 */
export class StepFunctionsSlaTimers implements SlaTimers {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client = new SFNClient({ retryMode: 'adaptive', maxAttempts: 6 }),
  ) {}

  private executionArn(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  async start(name: string, complaintId: string): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify({ complaintId }),
        }),
      );
    } catch (error) {
      // A used name is this generation's timer, running or finished: never restarted. A new deadline
      // always comes with a new generation, hence a new name.
      if (!isNamed(error, 'ExecutionAlreadyExists')) throw error;
    }
  }

  async stop(names: string[]): Promise<void> {
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
            if (!isNamed(error, 'ExecutionDoesNotExist')) throw error;
          }),
      ),
    );
  }
}
