import path from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.js';

export class DatasetImportRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list() {
    const rows = await this.prisma.datasetImport.findMany({ orderBy: { importedAt: 'desc' }, take: 20 });
    // The file name only: where the file sits on the server is nobody's business.
    return rows.map(({ checksum, source, importedAt, summary }) => {
      const shown = { ...(summary as Record<string, unknown>) };
      if (typeof shown.source === 'string') shown.source = path.basename(shown.source);
      return {
        checksum,
        source: path.basename(source),
        imported_at: importedAt.toISOString(),
        summary: shown,
      };
    });
  }
}
