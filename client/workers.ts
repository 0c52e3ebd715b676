import type { Client } from '@temporalio/client';

// Whether anybody will pick up what a command starts or signals: a run on a task queue no
// worker polls waits for ever, so commands ask before they wait.

export interface Pollers {
  taskQueue: string;
  /** Workers that polled for workflow tasks in the last minutes (the server's own window). */
  identities: string[];
}

export async function workflowPollers(client: Client, taskQueue: string): Promise<Pollers> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    // TASK_QUEUE_KIND_NORMAL and TASK_QUEUE_TYPE_WORKFLOW (the proto enums' values).
    taskQueue: { name: taskQueue, kind: 1 },
    taskQueueType: 1,
  });
  return { taskQueue, identities: (res.pollers ?? []).map((p) => p.identity ?? '?') };
}

/** The warning for a queue nobody polls, or undefined when a worker is there. */
export async function noWorkerWarning(client: Client, taskQueue: string): Promise<string | undefined> {
  const p = await workflowPollers(client, taskQueue);
  return p.identities.length ? undefined : `no worker is polling task queue ${taskQueue}; start one with \`firedrill worker\``;
}
