// Product notifications on the admin API (mounted under /admin, behind the same bearer token):
//   GET  /admin/notifications/:connectionId          endpoint, parked or not, delivered cursor, backlog, last error
//   POST /admin/notifications/:connectionId/resume   try a parked notifier's endpoint again now
import type { Client } from '@temporalio/client';
import express, { type Router } from 'express';
import type { Env } from '../config';
import type { ConnectionRepository } from '../connections/repository';
import type { Db } from '../db/prisma';
import { notifierInput, notifyDepsFromEnv } from '../notifications/notifyConfig';
import { resumeNotifier } from '../notifier/signalNotifier';
import { notificationStatus } from '../notifications/status';
import { route } from './adminHttp';

export function adminNotificationsRouter(d: {
  env: Env;
  db: Db;
  connections: ConnectionRepository;
  temporal: Client;
  taskQueue: string;
}): Router {
  const r = express.Router();
  const status = (id: string) => notificationStatus(d.db, d.connections, notifyDepsFromEnv(d.env).globals, id);
  r.get(
    '/notifications/:connectionId',
    route((req) => status(req.params.connectionId!)),
  );
  r.post(
    '/notifications/:connectionId/resume',
    route(async (req) => {
      const id = req.params.connectionId!;
      await status(id); // unknown connection: 404 before anything is started
      await resumeNotifier(d.temporal, d.taskQueue, notifierInput(d.env, id));
      return { connectionId: id, resumed: true };
    }),
  );
  return r;
}
