import { BadGatewayError, ServiceUnavailableError } from '@ecom/service-kit';

/**
 * The vector store cannot be reached now (server down, timed out, store closed, disk
 * failing). Routes let it through: the service error handler answers 503. The detail is
 * deliberately generic; the driver's own error is kept as `cause` for the logs only.
 */
export class VectorStoreUnavailableError extends ServiceUnavailableError {
  constructor(detail = 'Vector store is unavailable', options?: ErrorOptions) {
    super(detail, options);
  }
}

/** The vector store answered, but refused the request (502). Driver text stays in `cause`. */
export class VectorStoreRequestError extends BadGatewayError {
  constructor(detail = 'Vector store rejected the request', options?: ErrorOptions) {
    super(detail, options);
  }
}
