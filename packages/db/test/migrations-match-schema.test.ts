import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../../user-service/src/generated/prisma/client.js';
import { createScratchDatabase, type Database, openDatabase } from '../src/index.js';

/**
 * The migrations are hand-written SQL (the Prisma schema engine cannot be fetched here, so
 * `prisma migrate dev` cannot write them). This checks that applying them gives exactly the
 * tables, columns, keys, indexes and foreign keys that `schema.prisma` describes, using
 * Prisma's own schema parser (the WebAssembly build its CLI uses, which runs offline).
 * Expression indexes (lower(title)) cannot be written in schema.prisma and are ignored.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const SERVICES = [
  { service: 'user-service', schema: 'user_schema' },
  { service: 'catalog-service', schema: 'catalog_schema' },
  { service: 'recommendation-service', schema: 'recommendation_schema' },
];

interface DmmfField {
  name: string;
  dbName: string | null;
  kind: 'scalar' | 'object' | 'enum';
  type: string;
  isRequired: boolean;
  isList: boolean;
  nativeType: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  fields: { name: string }[];
}

/** What `schema.prisma` says the database holds, in the words Postgres reports it. */
async function expectedShape(service: string) {
  const source = await readFile(path.join(ROOT, service, 'prisma/schema.prisma'), 'utf8');
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', source]] })));
  const models: DmmfModel[] = dmmf.datamodel.models;
  const tableOf = (model: string) => {
    const found = models.find((m) => m.name === model)!;
    return found.dbName ?? found.name;
  };
  const columnOf = (model: string, field: string) => {
    const found = models.find((m) => m.name === model)!.fields.find((f) => f.name === field)!;
    return found.dbName ?? found.name;
  };
  const columns = models.flatMap((model) =>
    model.fields
      .filter((field) => field.kind !== 'object')
      .map((field) => ({
        table: tableOf(model.name),
        column: field.dbName ?? field.name,
        type: postgresType(field),
        // Prisma never writes NOT NULL for scalar lists.
        notNull: field.isList ? false : field.isRequired,
      })),
  );
  const indexes = (dmmf.datamodel.indexes as DmmfIndex[])
    .filter((index) => index.type !== 'fulltext')
    .map((index) => ({
      table: tableOf(index.model),
      columns: index.fields.map((field) => columnOf(index.model, field.name)).join(','),
      unique: index.type !== 'normal',
      primary: index.type === 'id',
    }));
  const foreignKeys = models.flatMap((model) =>
    model.fields
      .filter((field) => field.kind === 'object' && (field.relationFromFields?.length ?? 0) > 0)
      .map((field) => ({
        table: tableOf(model.name),
        columns: field.relationFromFields!.map((name) => columnOf(model.name, name)).join(','),
        references: tableOf(field.type),
        // Prisma's default: Restrict for a required relation, SetNull for an optional one.
        onDelete: (field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull'))
          .toUpperCase()
          .replace('SETNULL', 'SET NULL'),
      })),
  );
  return { columns: sorted(columns), indexes: sorted(indexes), foreignKeys: sorted(foreignKeys) };
}

function postgresType(field: DmmfField): string {
  const [native, args] = field.nativeType ?? [null, []];
  const base = (() => {
    switch (native) {
      case 'VarChar':
        return `character varying(${args[0]})`;
      case 'Timestamptz':
        return `timestamp(${args[0] ?? 6}) with time zone`;
      case 'Timestamp':
        return `timestamp(${args[0] ?? 6}) without time zone`;
      case null:
        return DEFAULT_TYPES[field.type] ?? `unknown ${field.type}`;
      default:
        return `unmapped native type ${native}`;
    }
  })();
  return field.isList ? `${base}[]` : base;
}

/** Prisma's default Postgres column type for each scalar. */
const DEFAULT_TYPES: Record<string, string> = {
  Int: 'integer',
  BigInt: 'bigint',
  String: 'text',
  Boolean: 'boolean',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

/** What the migrated database holds. */
async function actualShape(prisma: PrismaClient, schema: string) {
  const columns = await prisma.$queryRawUnsafe<
    { table: string; column: string; type: string; notNull: boolean }[]
  >(
    `SELECT c.relname AS "table", a.attname AS "column",
            format_type(a.atttypid, a.atttypmod) AS "type", a.attnotnull AS "notNull"
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname <> '_prisma_migrations'`,
    schema,
  );
  const indexes = await prisma.$queryRawUnsafe<
    { table: string; columns: string; unique: boolean; primary: boolean }[]
  >(
    `SELECT t.relname AS "table",
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
               FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS "columns",
            ix.indisunique AS "unique", ix.indisprimary AS "primary"
       FROM pg_index ix
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND t.relname <> '_prisma_migrations'
        AND ix.indexprs IS NULL`,
    schema,
  );
  const foreignKeys = await prisma.$queryRawUnsafe<
    { table: string; columns: string; references: string; onDelete: string }[]
  >(
    `SELECT t.relname AS "table",
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
               FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS "columns",
            r.relname AS "references",
            CASE con.confdeltype WHEN 'a' THEN 'NOACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                                 WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SETDEFAULT' END AS "onDelete"
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_class r ON r.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND con.contype = 'f'`,
    schema,
  );
  return { columns: sorted(columns), indexes: sorted(indexes), foreignKeys: sorted(foreignKeys) };
}

function sorted<T>(rows: T[]): T[] {
  return rows.map((row) => ({ ...row })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe(`migration SQL matches schema.prisma (${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'})`, () => {
  const open: Database[] = [];
  afterAll(async () => {
    for (const database of open) await database.close();
  });

  for (const { service, schema } of SERVICES) {
    it(`${service}: tables, columns, keys, indexes and foreign keys`, async () => {
      const base = process.env.DATABASE_URL;
      const database = await openDatabase({
        databaseUrl: base ? await createScratchDatabase(base, 'test_schema_match') : undefined,
        dataDir: base ? '' : await mkdtemp(path.join(tmpdir(), 'pglite-')),
        schema,
        migrationsDir: path.join(ROOT, service, 'prisma/migrations'),
      });
      open.push(database);
      await database.migrate();
      const prisma = new PrismaClient({ adapter: database.adapter });
      try {
        expect(await actualShape(prisma, schema)).toEqual(await expectedShape(service));
      } finally {
        await prisma.$disconnect();
      }
    });
  }
});
