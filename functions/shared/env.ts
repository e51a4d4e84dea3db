import * as z from 'zod';

/** Parses this function's environment once, at init, with a clear error naming what is missing. */
export function readEnv<T extends z.ZodRawShape>(shape: T): z.infer<z.ZodObject<T>> {
  const parsed = z.object(shape).safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid Lambda environment: ${problems}`);
  }
  return parsed.data;
}

/** Variables every Heed function understands. SLA_TIME_SCALE is only ever set by the local twin. */
export const clockEnv = {
  SLA_TIME_SCALE: z.coerce.number().positive().max(100_000).default(1),
  HEED_CLOCK_EPOCH: z.coerce.number().int().positive().optional(),
};

export const jsonEnv = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
