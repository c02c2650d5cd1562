import type { PrismaClient } from './generated/prisma/client.js';
import type { CustomerRepository } from './repositories/customer-repository.js';

/** What user-service's route plugins are given (their options), built once in app.ts. */
export interface Deps {
  prisma: PrismaClient;
  customers: CustomerRepository;
}
