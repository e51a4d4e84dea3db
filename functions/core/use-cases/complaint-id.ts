import { createHash } from 'node:crypto';
import type { Platform } from '../model/interaction.ts';

/**
 * Deterministic: the same platform message always maps to the same id, which makes the conditional
 * create and the Step Functions execution name (≤80 chars of [A-Za-z0-9_-]) idempotent keys.
 */
export function complaintIdFor(platform: Platform, externalId: string): string {
  return `c_${createHash('sha256').update(`${platform}\u0000${externalId}`).digest('hex').slice(0, 26)}`;
}

export function isComplaintId(value: string): boolean {
  return /^c_[0-9a-f]{26}$/.test(value);
}
