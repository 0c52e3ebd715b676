// Expected failures of reading a cluster, each with a message an operator can act on. The `name`
// doubles as the failure type when an activity reports it to Temporal.

/** Every census failure the command line prints as one line instead of a stack trace. */
export class CensusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CensusError';
  }
}

/** No kubeconfig, an unreadable one, or a context it does not have. */
export class KubeConfigError extends CensusError {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

/** The API server did not answer: connection refused, DNS, TLS, or no answer in time. */
export class ClusterUnreachableError extends CensusError {
  constructor(readonly server: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot reach the Kubernetes API server at ${server}: ${reason}`, options);
    this.name = 'ClusterUnreachableError';
  }
}

/** The credentials were rejected (401) or lack a permission the census needs (403). */
export class PermissionError extends CensusError {
  constructor(
    readonly verb: string,
    readonly resource: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermissionError';
  }
}

/** The API server answered with an error the census cannot work around. */
export class ClusterRequestError extends CensusError {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ClusterRequestError';
  }
}
