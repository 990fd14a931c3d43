import { z } from 'zod';
import { ErrorCode } from './errors';

/** The protocol version this build speaks; bumped only when old clients would break. */
export const PROTOCOL_VERSION = 1;

export const RequestIdSchema = z.union([z.number().int().nonnegative(), z.string().max(128)]);
export type RequestId = z.infer<typeof RequestIdSchema>;

export const RequestSchema = z.object({
  v: z.number().int(),
  id: RequestIdSchema,
  method: z.string().min(1).max(128),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type Request = z.infer<typeof RequestSchema>;

export const WireErrorSchema = z.object({
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  field: z.string().optional(),
  hint: z.string().optional(),
});

export const ResponseSchema = z.discriminatedUnion('ok', [
  z.object({ v: z.number().int(), id: RequestIdSchema, ok: z.literal(true), result: z.unknown() }),
  z.object({
    v: z.number().int(),
    id: RequestIdSchema.nullable(),
    ok: z.literal(false),
    error: WireErrorSchema,
  }),
]);
export type Response = z.infer<typeof ResponseSchema>;
