// GET /ready: whether every configured upstream answers, and each circuit breaker's state. Written as a
// path check rather than yoga's useReadinessCheck, which tests a URLPattern on every request that is not
// /ready (about 1% of a cached read).
import type { Plugin } from 'graphql-yoga';
import type { Services } from '../context.js';

export const READY_PATH = '/ready';

/** The /ready answer: 200 when every configured connector is ready, else 503. */
export async function readinessResponse(services: Services): Promise<Response> {
  const connectors = {
    saasSecurity: services.saasSecurity ? await services.saasSecurity.isReady() : null,
    // Every STA instance must have answered (several tenants: SECGRAPH_CONFIG sta.instances).
    sta: services.staInstances
      ? (await Promise.all(services.staInstances.list.map((i) => i.connector.isReady()))).every(Boolean)
      : services.sta
        ? await services.sta.isReady()
        : null,
  };
  const ready = Object.values(connectors).every((v) => v !== false);
  // Circuit breaker per upstream: "open" means calls are failing fast for a cool-down.
  const breakers = {
    saasSecurity: services.saasSecurity?.client.guard.state ?? null,
    sta: services.sta?.client.guard.state ?? null,
    // With several STA tenants (SECGRAPH_CONFIG), each has its own breaker: one failing tenant
    // must be visible without hiding behind the default one.
    ...(services.staInstances && services.staInstances.list.length > 1
      ? { staInstances: Object.fromEntries(services.staInstances.list.map((i) => [i.name ?? '(default)', i.connector.client.guard.state])) }
      : {}),
  };
  return new Response(JSON.stringify({ ready, connectors, breakers, sandboxes: services.sandboxes }), {
    status: ready ? 200 : 503,
    headers: { 'content-type': 'application/json' },
  });
}

export function useReadiness(services: Services): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== READY_PATH) return;
      try {
        endResponse(await readinessResponse(services));
      } catch (error) {
        // As yoga's check did: a check that throws means not ready, with its message.
        const message = error instanceof Error ? error.message : null;
        endResponse(new fetchAPI.Response(message, { status: 503, headers: message ? { 'content-type': 'text/plain; charset=utf-8' } : {} }));
      }
    },
  };
}
