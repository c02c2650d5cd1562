import type { PrismaClient } from '../generated/prisma/client.js';

export interface DatasetImportRecord {
  checksum: string;
  source: string;
  imported_at: string;
  summary: Record<string, unknown>;
}

export class DatasetImportRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(limit = 20): Promise<DatasetImportRecord[]> {
    const rows = await this.prisma.datasetImport.findMany({ orderBy: { importedAt: 'desc' }, take: limit });
    return rows.map((row) => ({
      checksum: row.checksum,
      source: row.source,
      imported_at: row.importedAt.toISOString(),
      summary: row.summary as Record<string, unknown>,
    }));
  }
}
