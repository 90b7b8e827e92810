// /healthz (the process answers) and /readyz (503 with the reason unless every
// readiness check passes), for the orchestrator. The API and the worker's ops
// server both mount it.
import express, { type Router } from 'express';

export function healthRouter(ready: () => Promise<void>): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    ready().then(
      () => res.json({ status: 'ready' }),
      (err: Error) => res.status(503).json({ status: 'unready', reason: err.message }),
    );
  });
  return router;
}
