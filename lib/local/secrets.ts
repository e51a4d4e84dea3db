import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SecretKind, secretProblem } from '#core/platforms/secret-policy.ts';
import { SECRET_FIELDS, SECRET_SPECS, type SecretField } from '#core/sources.ts';

/** One value per secret field of the registered sources (core/sources.ts). */
export type TwinSecrets = Record<SecretField, string>;

/** A random value of each kind, as the platform (or the team) would issue it. */
const GENERATE: Record<SecretKind, () => string> = {
  'platform-issued': () => randomText(50),
  'verify-token': () => randomText(32),
  'standard-webhooks': () => `whsec_${randomBytes(32).toString('base64')}`,
  'url-token': () => randomText(43),
  'service-account': () => 'heed-push@heed-local.iam.gserviceaccount.com',
};

function randomText(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/**
 * The twin's webhook secrets: from the environment or options when given, otherwise random values made
 * on first start and kept (mode 0600) in the data directory, so restarts keep them. Weak values are
 * refused exactly as the deployed intake refuses them.
 */
export function twinSecrets(
  dataDir: string,
  given: Partial<TwinSecrets> = {},
  env: NodeJS.ProcessEnv = process.env,
): TwinSecrets {
  const file = path.join(dataDir, 'secrets.json');
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<TwinSecrets>) : {};
  const secrets = Object.fromEntries(
    SECRET_FIELDS.map((field) => {
      const { env: variable, kind } = SECRET_SPECS[field];
      const value = given[field] ?? env[variable] ?? kept[field] ?? GENERATE[kind]();
      const problem = secretProblem(kind, value);
      if (problem) throw new Error(`local twin: ${variable} ${problem}`);
      return [field, value];
    }),
  ) as TwinSecrets;
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
