// GET /ready: whether every configured upstream answers, and each circuit breaker's state. Written as a
// path check rather than yoga's useReadinessCheck, which tests a URLPattern on every request that is not
// /ready (about 1% of a cached read).
import type { Plugin } from 'graphql-yoga';
import type { Services } from '../context.js';

export const READY_PATH = '/ready';

/** The /ready answer: 200 when every configured connector is ready, else 503. */
export async function readinessResponse(services: Services): Promise<Response> {
  // Each SaaS Security tenant's readiness (its credentials accepted).
  const saasTenants = services.saasInstances ? await Promise.all(services.saasInstances.list.map(async (i) => ({ name: i.name, ready: await i.connector.isReady() }))) : null;
  const connectors = {
    // Every SaaS Security tenant must have answered (several tenants: SECGRAPH_CONFIG saasSecurity.instances).
    saasSecurity: saasTenants
      ? saasTenants.every((r) => r.ready)
      : services.saasSecurity
        ? await services.saasSecurity.isReady()
        : null,
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
    ...(services.saasInstances && services.saasInstances.list.length > 1
      ? { saasSecurityInstances: Object.fromEntries(services.saasInstances.list.map((i) => [i.name, i.connector.client.guard.state])) }
      : {}),
    ...(services.staInstances && services.staInstances.list.length > 1
      ? { staInstances: Object.fromEntries(services.staInstances.list.map((i) => [i.name ?? '(default)', i.connector.client.guard.state])) }
      : {}),
  };
  // With several SaaS Security tenants, which of them answered: one revoked tenant must be visible by name.
  const tenants = saasTenants && saasTenants.length > 1 ? { saasSecurityInstances: Object.fromEntries(saasTenants.map((r) => [r.name, r.ready])) } : {};
  return new Response(JSON.stringify({ ready, connectors, ...tenants, breakers, sandboxes: services.sandboxes }), {
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
