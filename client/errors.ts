// Domain errors of the client library: callers (the CLI, the tower, tests) decide how to show
// them; none of them is a bug.

export class ClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A run of the same drill on the same target is still open. */
export class AlreadyRunningError extends ClientError {
  constructor(readonly drill: string, readonly target: string, readonly openRuns: string[]) {
    super(`drill ${drill} is already running on ${target} (${openRuns.join(', ')}); abort it or wait for it to finish`);
  }
}

/** Two starts of the same drill within one second collide on the workflow id. */
export class StartCollisionError extends ClientError {
  constructor(readonly drill: string) {
    super(`a run of ${drill} started this same second; try again`);
  }
}

/** No run with this workflow id in the namespace. */
export class RunNotFoundError extends ClientError {
  constructor(readonly workflowId: string, readonly namespace: string) {
    super(`no run ${workflowId} in namespace ${namespace}`);
  }
}

/** Nothing polls the task queue: a started run would wait for ever. */
export class NoWorkerError extends ClientError {
  constructor(readonly taskQueue: string) {
    super(`no worker is polling task queue ${taskQueue}; start one with \`firedrill worker\``);
  }
}
