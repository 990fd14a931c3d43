import type { z } from 'zod';

/** One zod issue as a field path and a sentence, for CT_BAD_REQUEST errors. */
export function formatZodIssue(issue: z.core.$ZodIssue, prefix = ''): { field: string; message: string } {
  const field = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
  return { field, message: field ? `${field}: ${issue.message}` : issue.message };
}
