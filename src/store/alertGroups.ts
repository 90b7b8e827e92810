// alert_groups: alert grouping shared by every worker process. Per (kind,
// connection) the first alert of a window is sent at once; alerts inside the
// window are only counted; when the window has closed, `dueSummaries` hands
// out one summary per group with a count, and the window restarts. A storm of
// 10,000 parked events on one connection is one alert plus one summary per
// window. The alert itself is opaque here (stored as JSON for the summary).
// Sending can fail after a window was opened or a summary claimed: `release`
// and `restore` undo those, so a failed POST neither turns its own retry into a
// suppressed alert nor loses a summary's count.
import type { Db } from '../db/prisma';

export interface GroupKey {
  kind: string;
  connectionId: string;
}

export interface Summary<A> {
  kind: string;
  connectionId: string;
  suppressed: number;
  since: Date;
  latest: A | null;
}

export class AlertGroups<A extends GroupKey = GroupKey> {
  constructor(
    private readonly db: Db,
    private readonly windowMs: number,
  ) {}

  /** Undoes the window `admit` opened for `alert` whose send then failed: its retry is admitted again, not counted. */
  async release(alert: A): Promise<void> {
    await this.db.$executeRaw`
      UPDATE alert_groups SET window_started_at = to_timestamp(0), updated_at = now()
      WHERE kind = ${alert.kind} AND connection_id = ${alert.connectionId}`;
  }

  /** Gives a claimed summary whose send failed its count back, due again at the next flush. */
  async restore(s: Summary<A>): Promise<void> {
    await this.db.$executeRaw`
      UPDATE alert_groups SET suppressed_count = suppressed_count + ${s.suppressed},
        last_alert = COALESCE(last_alert, ${s.latest === null ? null : JSON.stringify(s.latest)}::jsonb),
        window_started_at = LEAST(window_started_at, ${s.since}), updated_at = now()
      WHERE kind = ${s.kind} AND connection_id = ${s.connectionId}`;
  }

  /** True when this alert opens a new window and must be sent now. */
  async admit(alert: A): Promise<boolean> {
    const windowStart = new Date(Date.now() - this.windowMs);
    return this.db.$transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO alert_groups (kind, connection_id, window_started_at, suppressed_count, updated_at)
        VALUES (${alert.kind}, ${alert.connectionId}, to_timestamp(0), 0, now()) ON CONFLICT DO NOTHING`;
      const [group] = await tx.$queryRaw<{ window_started_at: Date; suppressed_count: number }[]>`
        SELECT window_started_at, suppressed_count FROM alert_groups
        WHERE kind = ${alert.kind} AND connection_id = ${alert.connectionId} FOR UPDATE`;
      const open = group !== undefined && group.window_started_at > windowStart;
      if (open) {
        await tx.$executeRaw`
          UPDATE alert_groups SET suppressed_count = suppressed_count + 1, last_alert = ${JSON.stringify(alert)}::jsonb, updated_at = now()
          WHERE kind = ${alert.kind} AND connection_id = ${alert.connectionId}`;
        return false;
      }
      // A closed window whose suppressed alerts were not summarised yet keeps its count for the flusher.
      await tx.$executeRaw`
        UPDATE alert_groups SET window_started_at = now(), updated_at = now()
        WHERE kind = ${alert.kind} AND connection_id = ${alert.connectionId}`;
      return true;
    });
  }

  /** Claims the groups whose window closed with suppressed alerts; each is returned to exactly one caller. */
  async dueSummaries(limit = 100): Promise<Summary<A>[]> {
    const windowStart = new Date(Date.now() - this.windowMs);
    const rows = await this.db.$queryRaw<
      { kind: string; connection_id: string; suppressed_count: number; window_started_at: Date; last_alert: A | null }[]
    >`
      WITH due AS (
        SELECT kind, connection_id FROM alert_groups
        WHERE suppressed_count > 0 AND window_started_at <= ${windowStart}
        ORDER BY window_started_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ), old AS (
        SELECT g.kind, g.connection_id, g.suppressed_count, g.window_started_at, g.last_alert
        FROM alert_groups g JOIN due USING (kind, connection_id)
      )
      UPDATE alert_groups g SET suppressed_count = 0, last_alert = NULL, window_started_at = now(), updated_at = now()
      FROM old WHERE g.kind = old.kind AND g.connection_id = old.connection_id
      RETURNING old.kind, old.connection_id, old.suppressed_count, old.window_started_at, old.last_alert`;
    return rows.map((r) => ({
      kind: r.kind,
      connectionId: r.connection_id,
      suppressed: r.suppressed_count,
      since: r.window_started_at,
      latest: r.last_alert,
    }));
  }
}
