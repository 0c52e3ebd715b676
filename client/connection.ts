import { Client, Connection } from '@temporalio/client';

// Where a client finds Temporal, and the one place a connection is opened.

export interface TemporalTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
}

export async function connect(t: TemporalTarget): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: t.address, connectTimeout: 5000 });
  return { client: new Client({ connection, namespace: t.namespace }), close: () => connection.close() };
}
