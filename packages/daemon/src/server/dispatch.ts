import {
  ErrorCode,
  PROTOCOL_VERSION,
  ProtocolError,
  RequestIdSchema,
  RequestSchema,
  formatZodIssue,
  isMethodName,
  methods,
  type MethodName,
  type ParamsOf,
  type RequestId,
  type Response,
  type ResultOf,
} from '@chronotick/protocol';

/** One handler per method of the table, typed by it. */
export type Handlers = {
  [M in MethodName]: (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>>;
};

const METHOD_LIST = Object.keys(methods).join(', ');

/**
 * Turns one decoded request into one response: checks the envelope, the version, the
 * method and its params, runs the handler, and checks its result against the table.
 * Never throws; every failure becomes an error response with a stable code.
 */
export async function dispatch(message: unknown, handlers: Handlers): Promise<Response> {
  const id = requestIdOf(message);
  try {
    const envelope = RequestSchema.safeParse(message);
    if (!envelope.success) {
      const first = envelope.error.issues[0];
      const { field, message: detail } = first ? formatZodIssue(first) : { field: '', message: 'invalid' };
      throw new ProtocolError(ErrorCode.BadRequest, `malformed request envelope: ${detail}`, {
        field,
        hint: 'send a map {v: 1, id, method, params}; see docs/PROTOCOL.md',
      });
    }
    const request = envelope.data;
    if (request.v !== PROTOCOL_VERSION) {
      throw new ProtocolError(ErrorCode.UnsupportedVersion, `protocol version ${request.v} is not supported`, {
        field: 'v',
        hint: `this daemon speaks v${PROTOCOL_VERSION}`,
      });
    }
    if (!isMethodName(request.method)) {
      throw new ProtocolError(ErrorCode.UnknownMethod, `unknown method "${request.method}"`, {
        field: 'method',
        hint: `known methods: ${METHOD_LIST}`,
      });
    }
    const result = await runMethod(request.method, request.params ?? {}, handlers);
    return { v: PROTOCOL_VERSION, id: request.id, ok: true, result };
  } catch (err) {
    return errorResponse(id, toProtocolError(err));
  }
}

async function runMethod<M extends MethodName>(method: M, rawParams: Record<string, unknown>, handlers: Handlers): Promise<unknown> {
  const spec = methods[method];
  const params = spec.params.safeParse(rawParams);
  if (!params.success) {
    const first = params.error.issues[0];
    const { field, message } = first ? formatZodIssue(first, 'params') : { field: 'params', message: 'invalid params' };
    throw new ProtocolError(ErrorCode.BadRequest, `${method}: ${message}`, { field });
  }
  const handler = handlers[method] as (p: unknown) => unknown;
  const result = await handler(params.data);
  // The result is checked too: a daemon bug must not reach clients as a valid answer.
  const checked = spec.result.safeParse(result);
  if (!checked.success) {
    const first = checked.error.issues[0];
    throw new ProtocolError(ErrorCode.Internal, `${method} produced an invalid result${first ? `: ${formatZodIssue(first).message}` : ''}`);
  }
  return checked.data;
}

export function errorResponse(id: RequestId | null, error: ProtocolError): Response {
  return { v: PROTOCOL_VERSION, id, ok: false, error: error.toWire() };
}

function toProtocolError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ProtocolError(ErrorCode.Internal, `internal error: ${message}`, {
    hint: 'this is a daemon bug; the daemon log has details',
  });
}

/** The request id when the message has a usable one, so even a bad request is matched. */
export function requestIdOf(message: unknown): RequestId | null {
  if (typeof message !== 'object' || message === null) return null;
  const parsed = RequestIdSchema.safeParse((message as { id?: unknown }).id);
  return parsed.success ? parsed.data : null;
}
