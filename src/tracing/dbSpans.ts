// Database spans: the Prisma client seen through a proxy that puts a CLIENT
// span around each raw statement ($executeRaw / $queryRaw: the store layer's
// SQL) and around each interactive transaction, whose statements become its
// children. Named by operation and table (`UPDATE <table>`), with
// db.system; never the statement's values. Model calls (findMany, update...)
// pass through unspanned. Used only when tracing is on: otherwise the plain
// client is handed out and nothing here runs.
import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Db } from '../db/prisma';

const TRACER = 'syncline.db';
const STATEMENTS = new Set(['$executeRaw', '$queryRaw', '$executeRawUnsafe', '$queryRawUnsafe']);

/** The first SQL fragment of a tagged template, a Prisma.Sql or an unsafe string. */
function sqlHead(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (Array.isArray(arg)) return String(arg[0] ?? '');
  const strings = (arg as { strings?: readonly string[] } | null)?.strings;
  return strings ? strings.join('?') : '';
}

/** `<VERB> <table>`: the statement's verb and the first table it writes (or reads). */
export function statementName(sql: string): { name: string; operation: string; table?: string } {
  const operation = (/^\s*(\w+)/.exec(sql)?.[1] ?? 'SQL').toUpperCase();
  const table = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|FROM)\s+"?(\w+)/i.exec(sql)?.[1];
  return { name: table ? `${operation} ${table}` : operation, operation, table };
}

async function inSpan<T>(name: string, attributes: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER).startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span: Span) => {
    try {
      return await fn();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  });
}

function traced<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (STATEMENTS.has(prop))
        return (...args: unknown[]) => {
          const s = statementName(sqlHead(args[0]));
          const attrs: Record<string, string> = { 'db.system': 'postgresql', 'db.operation.name': s.operation };
          if (s.table) attrs['db.collection.name'] = s.table;
          // Awaited inside the span: a PrismaPromise runs only when awaited (no batch $transaction([...]) in syncline).
          return inSpan(s.name, attrs, async () => (await fn.apply(target, args)) as unknown);
        };
      if (prop === '$transaction')
        return (body: unknown, ...rest: unknown[]) => {
          if (typeof body !== 'function') return fn.apply(target, [body, ...rest]);
          const work = body as (tx: object) => Promise<unknown>;
          return inSpan(
            'transaction',
            { 'db.system': 'postgresql' },
            async () => (await fn.apply(target, [(tx: object) => work(traced(tx)), ...rest])) as unknown,
          );
        };
      // Called on the client itself, not the proxy: the client's own internals stay out of the proxy.
      return fn.bind(target);
    },
  });
}

export function tracedDb(db: Db): Db {
  return traced(db);
}
