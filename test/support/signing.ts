// Test-side signers written straight from the platforms' docs (not the core's code), so a bug in the
// core's verification cannot hide behind the same bug here.
import { createHmac } from 'node:crypto';

export const signX = (secret: string, body: string | Buffer) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
export const signMeta = (secret: string, body: string | Buffer) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
export function signGeneric(secret: string, id: string, timestamp: number, body: string) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
