import { z } from 'zod';
import { formatZodError, RequestRefusedError } from '../../app/errors.ts';
import { FreeTextSchema, TEXT_MAX } from '../../contract/index.ts';

/**
 * Free text from a form, refused (never cut) past the contract's limit, with the limit said in
 * words: the page's fields say the same limit, and the refusal page keeps the text.
 */
export function freeText(what: string, options: { required: boolean }) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const text = value ?? '';
      if (text.trim().length > TEXT_MAX) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} is ${text.trim().length} characters long; the limit is ${TEXT_MAX} characters — shorten it and send again`,
        });
        return z.NEVER;
      }
      if (options.required && !text.trim()) {
        ctx.addIssue({ code: 'custom', message: `${what} must not be empty` });
        return z.NEVER;
      }
      return text;
    })
    .pipe(FreeTextSchema)
    .transform((text) => text || undefined);
}

/** Form bodies are validated with the contract's own schemas: the console refuses what the CLI refuses. */
export function parseForm<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // Messages written here for people (the limit, an empty field) need no field path before them.
    const own = parsed.error.issues.every((i) => i.code === 'custom');
    throw new RequestRefusedError(
      own ? parsed.error.issues.map((i) => i.message).join('; ') : formatZodError(parsed.error, 'form'),
    );
  }
  return parsed.data;
}
