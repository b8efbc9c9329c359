import type { ParquetWriter } from 'hyparquet-writer';
import type { z } from 'zod';
import { CORPORA, type CorpusName } from '../../schemas/records.ts';

/** hyparquet-writer's schema element type (it pins its own hyparquet, so take the type from the writer). */
export type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

/**
 * The Parquet schema of a corpus, derived from its zod record (schemas/records.ts), never written by hand.
 *
 * Mapping: string/enum → BYTE_ARRAY UTF8 (STRING), int → INT64, number → DOUBLE, boolean → BOOLEAN,
 * object → group (STRUCT), array → the standard three-level LIST (`<name> (LIST) / repeated list / element`), so
 * `messages` reads as `list<struct<role, content>>` in DuckDB, pyarrow and HF `datasets`.
 * Every field is OPTIONAL, as pyarrow writes by default: Arrow fields are nullable, and shards written by other
 * tools concatenate with ours without a schema clash. zod still guarantees non-null values where the record says so.
 */
export function parquetSchemaOf(record: z.ZodObject): SchemaElement[] {
  const fields = Object.entries(record.shape);
  const out: SchemaElement[] = [{ name: 'root', num_children: fields.length }];
  for (const [name, field] of fields) out.push(...elementsOf(name, field as z.ZodType));
  return out;
}

export function corpusParquetSchema(corpus: CorpusName): SchemaElement[] {
  return parquetSchemaOf(CORPORA[corpus]);
}

/** Column names of a corpus in schema order. */
export function corpusColumns(corpus: CorpusName): string[] {
  return Object.keys(CORPORA[corpus].shape);
}

type Def = { type: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> };

function defOf(t: z.ZodType): Def {
  return (t as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strip wrappers that do not change the stored type (nullable, optional, default, readonly). */
function unwrap(t: z.ZodType): z.ZodType {
  let cur = t;
  for (;;) {
    const d = defOf(cur);
    if ((d.type === 'nullable' || d.type === 'optional' || d.type === 'default' || d.type === 'readonly' || d.type === 'prefault') && d.innerType) {
      cur = d.innerType;
    } else return cur;
  }
}

function elementsOf(name: string, field: z.ZodType): SchemaElement[] {
  const t = unwrap(field);
  const d = defOf(t);
  const optional = { name, repetition_type: 'OPTIONAL' as const };
  switch (d.type) {
    case 'string':
    case 'enum':
    case 'literal':
      return [{ ...optional, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }];
    case 'boolean':
      return [{ ...optional, type: 'BOOLEAN' }];
    case 'number':
      return [(t as unknown as { isInt: boolean }).isInt ? { ...optional, type: 'INT64' } : { ...optional, type: 'DOUBLE' }];
    case 'object': {
      const children = Object.entries((t as z.ZodObject).shape);
      return [{ ...optional, num_children: children.length }, ...children.flatMap(([n, c]) => elementsOf(n, c as z.ZodType))];
    }
    case 'array':
      return [
        { ...optional, num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...elementsOf('element', d.element as z.ZodType),
      ];
    default:
      throw new Error(`parquet-schema: field "${name}" has zod type "${d.type}", which has no Parquet mapping; add one in src/sinks/parquet-schema.ts`);
  }
}
