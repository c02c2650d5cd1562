import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readCustomers } from '@ecom/dataset';
import type { FastifyBaseLogger } from 'fastify';
import type { PrismaClient } from './generated/prisma/client.js';
import type { CustomerRepository } from './repositories/customer-repository.js';

export interface SeedSummary {
  source: string;
  skipped: boolean;
  customersInFile: number;
  inserted: number;
  rowsRead: number;
  rejectedRows: number;
}

/**
 * Seeds customers from dataset.csv once per file content: a restart with the same file does
 * nothing, so customers deleted or edited through the API stay as the user left them. A
 * changed file adds its new customers and still never overwrites existing rows.
 */
export async function seedCustomers(
  prisma: PrismaClient,
  customers: CustomerRepository,
  datasetPath: string,
  log: FastifyBaseLogger,
): Promise<SeedSummary> {
  const checksum = createHash('sha256')
    .update(await readFile(datasetPath))
    .digest('hex');
  const done = await prisma.datasetImport.findUnique({ where: { checksum } });
  if (done) {
    log.info({ datasetPath }, 'dataset already seeded; skipping');
    return {
      source: datasetPath,
      skipped: true,
      customersInFile: 0,
      inserted: 0,
      rowsRead: 0,
      rejectedRows: 0,
    };
  }
  const parsed = await readCustomers(datasetPath);
  for (const issue of parsed.issues) {
    log.warn({ line: issue.line, reason: issue.reason }, `dataset row ${issue.action}`);
  }
  const inserted = await customers.insertMissing(parsed.customers);
  const summary: SeedSummary = {
    source: datasetPath,
    skipped: false,
    customersInFile: parsed.customers.length,
    inserted,
    rowsRead: parsed.rowsRead,
    rejectedRows: parsed.issues.filter((issue) => issue.action === 'rejected').length,
  };
  await prisma.datasetImport.upsert({
    where: { checksum },
    create: { checksum, source: datasetPath, summary: { ...summary } },
    update: {},
  });
  log.info(summary, 'customers seeded from dataset');
  return summary;
}
