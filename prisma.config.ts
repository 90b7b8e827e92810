// Prisma CLI configuration. The runtime never reads this file: the app builds its
// client from src/config.ts. DATABASE_URL here only matters to `prisma migrate`
// on machines where Prisma's schema engine is available.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/syncline' },
});
