// CLI entry: serves the partner simulator until SIGINT/SIGTERM. This file and the config
// module are the only readers of process.env; the simulator itself takes options.

import pino from 'pino';
import { z } from 'zod';
import { startPartnerSimulator } from './server';

const logger = pino({ name: 'partner-simulator' });

const Env = z.object({
  PARTNER_PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  PARTNER_API_KEY: z.string().min(1).default('sim_api_key'),
});

function readEnv(): z.infer<typeof Env> {
  const parsed = Env.safeParse(process.env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`invalid environment: ${problems.join('; ')}`);
}

async function main(): Promise<void> {
  const env = readEnv();
  const simulator = await startPartnerSimulator({ apiKey: env.PARTNER_API_KEY, port: env.PARTNER_PORT });
  logger.info({ event: 'simulator.listening', url: simulator.url }, 'partner simulator listening');

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ event: 'simulator.stopping', signal }, 'partner simulator stopping');
    simulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ event: 'simulator.stop_failed', err }, 'partner simulator did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  logger.error({ event: 'simulator.start_failed', err }, 'partner simulator failed to start');
  process.exit(1);
});
