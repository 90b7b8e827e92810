// Every table has one owner: only src/store reads or writes syncline's
// tables, through Prisma's model accessors or raw SQL. Comments are ignored
// (the TypeScript scanner drops them), so prose may name a table.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../../scripts/import-graph';

const SRC = path.resolve(__dirname, '../../src');
const MODELS = [
  'connection',
  'webhookEvent',
  'operatorAction',
  'syncRecord',
  'syncCheckpoint',
  'reconcileRun',
  'reconcileSeenId',
  'alertGroup',
  'webhookInbox',
  'recordChange',
  'productNotification',
];
const TABLES = [
  'connections',
  'webhook_events',
  'operator_actions',
  'sync_records',
  'sync_checkpoints',
  'reconcile_runs',
  'reconcile_seen_ids',
  'alert_groups',
  'webhook_inbox',
  'record_changes',
  'product_notifications',
];
const DELEGATE_METHODS =
  'findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|findMany|create|createMany|createManyAndReturn|update|updateMany|upsert|delete|deleteMany|count|groupBy|aggregate';
const MODEL_CALL = new RegExp(`\\.\\s*(${MODELS.join('|')})\\s*\\.\\s*(${DELEGATE_METHODS})\\s*\\(`);
const SQL_TABLE = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE|TABLE)\\s+"?(${TABLES.join('|')})\\b`);

/** The file's code without comments. */
function code(text: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  let out = '';
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
    // Template middles and tails are rescanned from the closing brace of a ${...}.
    if (t === ts.SyntaxKind.CloseBraceToken) {
      const re = scanner.reScanTemplateToken(false);
      out += ` ${re === ts.SyntaxKind.CloseBraceToken ? '}' : scanner.getTokenText()}`;
      continue;
    }
    out += ` ${scanner.getTokenText()}`;
  }
  return out;
}

/** How `text` touches syncline's tables, as found by the two patterns. */
export function tableAccess(text: string): string[] {
  const c = code(text);
  return [
    ...(MODEL_CALL.exec(c) ? [`model ${MODEL_CALL.exec(c)![1]}`] : []),
    ...(SQL_TABLE.exec(c) ? [`sql ${SQL_TABLE.exec(c)![2]}`] : []),
  ];
}

describe('table ownership', () => {
  it('finds Prisma model calls and raw SQL on a table, and not a table named in a comment', () => {
    expect(tableAccess('await db.webhookEvent.findMany({})')).toEqual(['model webhookEvent']);
    expect(tableAccess('await tx.$executeRaw`UPDATE sync_records SET x = ${1} WHERE y`')).toEqual(['sql sync_records']);
    expect(tableAccess('const q = Prisma.sql`SELECT 1 FROM ${a} JOIN reconcile_runs r ON true`')).toEqual([
      'sql reconcile_runs',
    ]);
    expect(tableAccess('// reads FROM webhook_events\nconst client = temporal.connection.workflowService;')).toEqual(
      [],
    );
  });

  it('leaves every read and write of syncline tables to src/store', () => {
    const outside = sourceFiles(SRC).filter((f) => !f.startsWith(path.join(SRC, 'store') + path.sep));
    const offenders = outside.flatMap((f) =>
      tableAccess(fs.readFileSync(f, 'utf8')).map((a) => `${path.relative(SRC, f)}: ${a}`),
    );
    expect(offenders).toEqual([]);
  });
});
