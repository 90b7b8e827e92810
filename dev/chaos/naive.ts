// The naive receiver the chaos run compares against: accept, write, 200. No
// signature check, no versions, no dedupe, trusts the payload: "created"
// inserts a row, "updated" updates the object's rows (inserting when there are
// none), "deleted" deletes them. Its own table in the run's database. It also
// counts alerts syncline posts (ALERT_WEBHOOK_URL), to show parked events alerted.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import express from 'express';
import pg from 'pg';
import type { ObjectSnapshot } from '../simulator';

export interface NaiveOutcome {
  objects: number;
  missing: number;
  stale: number;
  duplicated: number;
  resurrected: number;
  ok: number;
}

interface Delivery {
  type?: string;
  data?: { object?: { type?: string; id?: string } & Record<string, unknown> };
}

export class NaiveReceiver {
  url = '';
  alertsUrl = '';
  alerts = 0;
  private server: Server | undefined;
  private readonly pool: pg.Pool;
  private readonly table: string;

  constructor(databaseUrl: string, runId: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
    // A PostgreSQL restart (cluster chaos) ends idle sessions; unhandled, that error would end the runner.
    this.pool.on('error', () => undefined);
    this.table = `naive_records_${runId.replace(/[^a-z0-9]/gi, '_')}`;
  }

  async start(): Promise<void> {
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS ${this.table} (id bigserial PRIMARY KEY, object_type text, object_id text, data jsonb)`,
    );
    const app = express();
    app.post('/alerts', express.json(), (_req, res) => {
      this.alerts += 1;
      res.status(200).end();
    });
    app.post('/webhooks', express.json({ limit: '1mb' }), async (req, res) => {
      const body = req.body as Delivery;
      const o = body.data?.object;
      const action = body.type?.split('.').pop();
      if (o?.type && o.id) {
        const { type, id, version: _v, deleted: _d, ...data } = o;
        if (action === 'deleted')
          await this.pool.query(`DELETE FROM ${this.table} WHERE object_type = $1 AND object_id = $2`, [type, id]);
        else if (action === 'created') await this.insert(type, id, data);
        else {
          const r = await this.pool.query(
            `UPDATE ${this.table} SET data = $3 WHERE object_type = $1 AND object_id = $2`,
            [type, id, data],
          );
          if (r.rowCount === 0) await this.insert(type, id, data);
        }
      }
      res.status(200).json({ ok: true });
    });
    this.server = app.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.url = `${base}/webhooks`;
    this.alertsUrl = `${base}/alerts`;
  }

  /** What the naive copy ends with against the partner's truth. */
  async compare(truth: ObjectSnapshot[]): Promise<NaiveOutcome> {
    const { rows } = await this.pool.query<{ object_type: string; object_id: string; data: unknown }>(
      `SELECT object_type, object_id, data FROM ${this.table}`,
    );
    const byKey = new Map<string, unknown[]>();
    for (const r of rows)
      byKey.set(`${r.object_type}/${r.object_id}`, [...(byKey.get(`${r.object_type}/${r.object_id}`) ?? []), r.data]);
    const out: NaiveOutcome = { objects: truth.length, missing: 0, stale: 0, duplicated: 0, resurrected: 0, ok: 0 };
    for (const o of truth) {
      const copies = byKey.get(`${o.type}/${o.id}`) ?? [];
      if (o.deleted) {
        if (copies.length > 0) out.resurrected += 1;
        else out.ok += 1;
      } else if (copies.length === 0) out.missing += 1;
      else if (copies.length > 1) out.duplicated += 1;
      else if (!isDeepStrictEqual(copies[0], o.data)) out.stale += 1;
      else out.ok += 1;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.server) {
      const closed = new Promise<void>((r) => this.server!.close(() => r()));
      this.server.closeAllConnections();
      await closed;
    }
    await this.pool.end();
  }

  private async insert(type: string, id: string, data: unknown): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.table} (object_type, object_id, data) VALUES ($1, $2, $3)`, [
      type,
      id,
      data,
    ]);
  }
}
