import type { z, ZodType } from 'zod';
import { ValidationError, type FieldError } from '#shared/errors';

/** Parses with a zod schema; a failure is a ValidationError listing every offending field. */
export function parseWith<T extends ZodType>(schema: T, input: unknown, where: 'path' | 'query' | 'body'): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors: FieldError[] = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const fields = [...new Set(errors.map((e) => e.path))].join(', ');
  throw new ValidationError(`The request is invalid: check ${fields}.`, errors);
}
