/** Typed domain errors: each maps to exactly one HTTP status at the edge. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class BadRequest extends DomainError {
  constructor(message: string, details?: unknown) {
    super('bad_request', 400, message, details);
  }
}
export class Unauthorized extends DomainError {
  constructor(message = 'signature missing or invalid') {
    super('unauthorized', 401, message);
  }
}
export class Forbidden extends DomainError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}
export class NotFound extends DomainError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}
export class Conflict extends DomainError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}
export class PayloadTooLarge extends DomainError {
  constructor(limit: number) {
    super('payload_too_large', 413, `body exceeds ${limit} bytes`);
  }
}

/**
 * A queued event that can never be processed (it does not parse, or its platform payload is
 * malformed): retrying cannot help, so it goes straight to the DLQ with this reason.
 */
export class PoisonEvent extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PoisonEvent';
  }
}
