// What a receiver is sent and what an account is shown: the payload (Standard Webhooks' recommended
// {type, timestamp, data}, data being the task exactly as GET /v1/tasks/{id} shows it now) and the
// delivery log (each attempt's time, status, latency and error; no more of the receiver's body than
// a short excerpt).

import type { TaskRow } from '../tasks/store.ts';
import { taskSnapshotBody, type UrlFor } from '../tasks/views.ts';
import type { AttemptRow, DeliveryRow } from './deliveries.ts';

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The body POSTed to the callback: made at each attempt, so image URLs (presigned ones too) are fresh. */
export async function webhookPayload(eventType: string, task: TaskRow, urlFor: UrlFor) {
  return { type: eventType, timestamp: new Date(task.updated_at).toISOString(), data: await taskSnapshotBody(task, urlFor) };
}

export function deliveryView(delivery: DeliveryRow, attempts: AttemptRow[]) {
  return {
    id: delivery.id,
    object: 'webhook.delivery',
    task_id: delivery.task_id,
    event_type: delivery.event_type,
    url: delivery.url,
    status: delivery.status,
    created: seconds(delivery.created_at),
    next_attempt_at: delivery.status === 'pending' ? seconds(delivery.next_attempt_at) : null,
    delivered_at: delivery.delivered_at === null ? null : seconds(delivery.delivered_at),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      at: seconds(a.started_at),
      status_code: a.status_code,
      latency_ms: a.latency_ms,
      error: a.error,
      response_excerpt: a.excerpt,
    })),
  };
}

export function secretView(secret: string, createdAt: number, previousExpiresAt: number | null) {
  return { object: 'webhook.secret', secret, created: seconds(createdAt), previous_secret_expires_at: previousExpiresAt === null ? null : seconds(previousExpiresAt) };
}
