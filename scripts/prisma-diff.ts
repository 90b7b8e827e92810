// Offline schema diff with Prisma 6.19's WebAssembly schema engine (npm alias
// `prisma-schema-diff`): Prisma 7's CLI needs a native engine that cannot be
// downloaded on our machines. Prints the SQL that turns schema FROM into TO.
//   tsx scripts/prisma-diff.ts <from.prisma | --empty> <to.prisma> <any reachable postgres url>
// The URL is only opened because the engine insists on an adapter; nothing is
// read from or written to that database.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CLI = path.resolve(__dirname, '../node_modules/prisma-schema-diff/build/index.js');

function legacySchema(file: string, dir: string, name: string): string {
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/^generator client \{[\s\S]*?^\}\n/m, '')
    .replace(/provider = "postgresql"/, 'provider = "postgresql"\n  url = "postgresql://unused@127.0.0.1/unused"');
  const out = path.join(dir, name);
  fs.writeFileSync(out, text);
  return out;
}

export function prismaDiffSql(from: string | 'empty', to: string, probeUrl: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prisma-diff-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'prisma.config.ts'),
      `export default { engine: 'js', experimental: { adapter: true }, schema: 'to.prisma',
  adapter: async () => { const { PrismaPg } = await import(${JSON.stringify(require.resolve('@prisma/adapter-pg'))}); return new PrismaPg({ connectionString: ${JSON.stringify(probeUrl)} }); } };\n`,
    );
    const toFile = legacySchema(to, dir, 'to.prisma');
    const fromArgs =
      from === 'empty' ? ['--from-empty'] : ['--from-schema-datamodel', legacySchema(from, dir, 'from.prisma')];
    return execFileSync(
      process.execPath,
      [CLI, 'migrate', 'diff', ...fromArgs, '--to-schema-datamodel', toFile, '--script'],
      {
        cwd: dir,
        env: {
          ...process.env,
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
          PRISMA_SCHEMA_ENGINE_BINARY: CLI,
          PRISMA_QUERY_ENGINE_LIBRARY: CLI,
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [from, to, url] = process.argv.slice(2);
  if (!from || !to || !url) {
    console.error('usage: tsx scripts/prisma-diff.ts <from.prisma|--empty> <to.prisma> <postgres-url>');
    process.exit(2);
  }
  process.stdout.write(prismaDiffSql(from === '--empty' ? 'empty' : from, to, url));
}
