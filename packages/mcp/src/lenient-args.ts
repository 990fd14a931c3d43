import { z } from 'zod';

/**
 * Some agents send every argument as a string (`"30"`, `"true"`). The tools advertise
 * numbers and booleans, and the daemon takes nothing else, so the adapter — the one
 * place that meets agents — reads a numeric or boolean string as what the schema
 * wants before checking it. Anything else is left for the schema to refuse with its
 * own message.
 */

function numberFromString(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return value;
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

function booleanFromString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : value;
}

/** `schema`, also accepting a numeric string such as `"30"` or `"0.95"`. */
export function acceptNumericString<T extends z.ZodType>(schema: T) {
  return z.preprocess(numberFromString, schema);
}

/** `schema`, also accepting `"true"` and `"false"`. */
export function acceptBooleanString<T extends z.ZodType>(schema: T) {
  return z.preprocess(booleanFromString, schema);
}
