import path from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.js';

export class DatasetImportRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(limit = 20) {
    const rows = await this.prisma.datasetImport.findMany({ orderBy: { importedAt: 'desc' }, take: limit });
    // The file name only: where the file sits on the server is nobody's business.
    return rows.map((row) => {
      const summary = { ...(row.summary as Record<string, unknown>) };
      if (typeof summary.source === 'string') summary.source = path.basename(summary.source);
      return {
        checksum: row.checksum,
        source: path.basename(row.source),
        imported_at: row.importedAt.toISOString(),
        summary,
      };
    });
  }
}
