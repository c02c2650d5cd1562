import { BadGatewayError, ServiceUnavailableError } from '@ecom/service-kit';

/**
 * The vector store cannot be reached now (down, timed out, closed, disk failing): a 503 with a
 * generic detail; the driver's error stays in `cause`, for the logs only.
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
