/**
 * Errors that carry their HTTP status. Repositories and clients throw them; the one error
 * handler turns them into `{"detail": ...}`.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(detail, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends HttpError {
  constructor(detail: string) {
    super(404, detail);
  }
}

export class ConflictError extends HttpError {
  constructor(detail: string) {
    super(409, detail);
  }
}

export class UnprocessableError extends HttpError {
  constructor(detail: string) {
    super(422, detail);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(detail = 'Missing or invalid service token') {
    super(401, detail);
  }
}

/** A dependency (database, another service, the vector store) cannot be reached now. */
export class ServiceUnavailableError extends HttpError {
  constructor(detail: string, options?: ErrorOptions) {
    super(503, detail, options);
  }
}

/** A dependency answered, but with something we cannot use. */
export class BadGatewayError extends HttpError {
  constructor(detail: string, options?: ErrorOptions) {
    super(502, detail, options);
  }
}

export class GatewayTimeoutError extends HttpError {
  constructor(detail: string, options?: ErrorOptions) {
    super(504, detail, options);
  }
}
