import { fingerprint, readCustomers } from '@ecom/dataset';
import type { FastifyBaseLogger } from 'fastify';
import type { PrismaClient } from './generated/prisma/client.js';
import type { CustomerRepository } from './repositories/customer-repository.js';

/**
 * Seeds customers from dataset.csv once per file content: a restart with the same file does
 * nothing, so customers deleted or edited through the API stay as the user left them. A
 * changed file adds its new customers; it never overwrites a customer, brings back a deleted
 * one, or takes an id or a name another customer holds (logged with the reason; catalog-service
 * then rejects that customer's rows).
 *
 * When `signal` aborts (shutdown) it stops while reading the file, before writing: the customers
 * are written in one transaction, so a stopped seed wrote nothing and the next start runs it.
 */
export async function seedCustomers(
  prisma: PrismaClient,
  customers: CustomerRepository,
  datasetPath: string,
  log: FastifyBaseLogger,
  signal?: AbortSignal,
): Promise<void> {
  const { checksum } = await fingerprint(datasetPath);
  if (await prisma.datasetImport.findUnique({ where: { checksum } })) {
    log.info({ datasetPath }, 'dataset already seeded; skipping');
    return;
  }
  const parsed = await readCustomers(datasetPath, signal);
  signal?.throwIfAborted();
  for (const issue of parsed.issues) {
    log.warn({ line: issue.line, reason: issue.reason }, `dataset row ${issue.action}`);
  }
  const { inserted, notSeeded } = await customers.insertMissing(parsed.customers);
  for (const { id, reason } of notSeeded) {
    log.warn({ customerId: id, reason }, 'dataset customer not seeded');
  }
  const summary = {
    source: datasetPath,
    skipped: false,
    customersInFile: parsed.customers.length,
    inserted,
    notSeeded: notSeeded.length,
    rowsRead: parsed.rowsRead,
    rejectedRows: parsed.issues.filter((issue) => issue.action === 'rejected').length,
  };
  await prisma.datasetImport.upsert({
    where: { checksum },
    create: { checksum, source: datasetPath, summary },
    update: {},
  });
  log.info(summary, 'customers seeded from dataset');
}
