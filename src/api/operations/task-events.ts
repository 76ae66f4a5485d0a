// GET /v1/tasks/{id}/events, as http/routes/task-events.ts serves it.

import type { OperationSpec } from './spec.ts';
import { pathParam } from './spec.ts';

export const taskEventOperations: OperationSpec[] = [
  {
    method: 'get',
    path: '/v1/tasks/{id}/events',
    operationId: 'streamTaskEvents',
    summary: "A task's life as Server-Sent Events",
    description:
      'text/event-stream: `status` (`{id, status, progress}`) when the status changes, `progress` when only the progress does, then `completed` (the task as GET /v1/tasks/{id} shows it, with its images) or `failed` (with `error`), and the stream ends. ' +
      'Each event id names the state it reports: reconnect with `Last-Event-ID` and what was already seen is not sent again. A `: keep-alive` comment every 15 s; a stream ends after 10 minutes even if the task has not (reconnect to go on). Works wherever the task runs (any replica). Owner only: another account’s task is a 404 like an unknown one.',
    tag: 'tasks',
    security: 'apiKey',
    params: [pathParam('id', 'The task id (ldtask_...)'), { name: 'Last-Event-ID', in: 'header', description: 'The id of the last event received, to resume', schema: { type: 'string' } }],
    responses: { 200: { description: 'The event stream', content: { 'text/event-stream': { type: 'string' } } } },
    errors: ['async_task_not_found'],
  },
];
