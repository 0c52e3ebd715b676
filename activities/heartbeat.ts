import { Context } from '@temporalio/activity';

/**
 * Heartbeats while a short activity runs, so a lost worker is noticed within the heartbeat
 * timeout instead of the start-to-close timeout. Outside an activity (direct calls) it just runs.
 */
export async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return fn();
  }
  const timer = setInterval(() => ctx.heartbeat(), 2_000);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
