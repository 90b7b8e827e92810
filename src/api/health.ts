// /healthz (the process answers) and /readyz (503 with the reason unless every
// readiness check passes), for the orchestrator. The API's webhook port serves
// /healthz only; the API's ops port and the worker's ops server serve both.
import express, { type Router } from 'express';

export function livenessRouter(): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}

export function healthRouter(ready: () => Promise<void>): Router {
  const router = livenessRouter();
  router.get('/readyz', (_req, res) => {
    ready().then(
      () => res.json({ status: 'ready' }),
      (err: Error) => res.status(503).json({ status: 'unready', reason: err.message }),
    );
  });
  return router;
}
