import { ResponseSchema, methods, type RequestId, type Response } from '@chronotick/protocol';
import type { FuzzCase } from './fuzz-frames';

/** True when `result` is a valid result of some method of the table. */
export function isSomeMethodResult(result: unknown): boolean {
  return Object.values(methods).some((spec) => spec.result.safeParse(result).success);
}

/** The response as the protocol defines it, or a sentence saying why it is not one. */
export function parseResponse(raw: unknown): Response | string {
  const parsed = ResponseSchema.safeParse(raw);
  return parsed.success ? parsed.data : `malformed response ${JSON.stringify(raw).slice(0, 200)}: ${parsed.error.message}`;
}

const idKey = (id: RequestId): string => `${typeof id}:${String(id)}`;

/**
 * Matches a batch's responses to its frames (one each, in any order: decode failures are
 * answered at once, the rest after dispatch) and returns what broke the contract. A
 * response with an id claims a frame that allows that id; null-id responses go to the
 * frames left over, which must all allow null.
 */
export function matchBatch(cases: readonly FuzzCase[], rawResponses: readonly unknown[]): string[] {
  const failures: string[] = [];
  if (rawResponses.length !== cases.length) failures.push(`${rawResponses.length} responses to ${cases.length} frames`);
  const byId = new Map<string, number[]>();
  cases.forEach((c, index) => {
    for (const id of c.ids) {
      if (id === null) continue;
      const queue = byId.get(idKey(id)) ?? [];
      queue.push(index);
      byId.set(idKey(id), queue);
    }
  });
  const matched = new Set<number>();
  const nullResponses: Response[] = [];
  for (const raw of rawResponses) {
    const response = parseResponse(raw);
    if (typeof response === 'string') {
      failures.push(response);
      continue;
    }
    if (response.id === null) {
      nullResponses.push(response);
      continue;
    }
    const index =
      (byId.get(idKey(response.id)) ?? []).find((i) => !matched.has(i)) ?? cases.findIndex((c, i) => c.anyId === true && !matched.has(i));
    if (index === undefined || index < 0) {
      failures.push(`response for id ${JSON.stringify(response.id)} that no frame carried`);
      continue;
    }
    matched.add(index);
    const failure = judge(cases[index] as FuzzCase, response);
    if (failure) failures.push(failure);
  }
  const left = cases.filter((_, i) => !matched.has(i));
  for (const c of left) {
    if (!c.ids.includes(null) && c.anyId !== true) failures.push(`${c.category} frame ${describe(c)} got no response with its id`);
  }
  if (nullResponses.length !== left.length)
    failures.push(`${nullResponses.length} id-null responses for ${left.length} frames without an answer`);
  const allowedNull = new Set(left.flatMap((c) => c.codes));
  for (const response of nullResponses) {
    if (response.ok) failures.push(`a success with id null: ${JSON.stringify(response).slice(0, 200)}`);
    else if (!allowedNull.has(response.error.code))
      failures.push(`id-null ${response.error.code} (${response.error.message.slice(0, 120)})`);
  }
  return failures;
}

function judge(c: FuzzCase, response: Response): string | undefined {
  if (response.ok) {
    if (!c.okAllowed) return `${c.category} frame ${describe(c)} was answered as a valid request`;
    return isSomeMethodResult(response.result) ? undefined : `${c.category}: an ok result no method defines`;
  }
  if (!c.codes.includes(response.error.code)) {
    return `${c.category} frame ${describe(c)} got ${response.error.code} (${response.error.message.slice(0, 160)}), expected ${c.codes.join('|')}`;
  }
  return undefined;
}

function describe(c: FuzzCase): string {
  const hex = c.payload.subarray(0, 24).toString('hex');
  return `[${c.payload.length} bytes: ${hex}${c.payload.length > 24 ? '…' : ''}]`;
}
