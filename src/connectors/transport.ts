// How an upstream connection leaves the gateway: directly or through a forward proxy (the reference's
// "Use system proxy": HTTPS_PROXY / HTTP_PROXY / NO_PROXY, or the upstream's own SAAS_SECURITY_PROXY /
// STA_PROXY), trusting the system CAs plus an optional extra bundle (SAAS_SECURITY_CA_FILE / STA_CA_FILE), or,
// with SAAS_SECURITY_INSECURE / STA_INSECURE (the reference's "Trust any certificate"), no verification.
// Through a proxy, an https:// upstream is reached in a CONNECT tunnel (hpagent), and an http:// one is requested
// in absolute form (`GET http://host/path` sent to the proxy), as curl and Python's requests do: proxies allow
// CONNECT to TLS ports only (Squid's default rules refuse it to any port but 443), so a tunnel to a plain-HTTP
// upstream fails where a forwarded request works.
// http.ts calls transportOptions() for the got options; this module holds no other HTTP behaviour.
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { HttpsProxyAgent } from 'hpagent';
import type { ExtendOptions, RequestFunction } from 'got';

/** The process-wide proxy variables, as read (once) by config.ts. */
export interface SystemProxy {
  httpsProxy: string | null;
  httpProxy: string | null;
  /** NO_PROXY entries: `*`, a host, `.suffix` or `suffix` (subdomains too), optionally `:port`. */
  noProxy: string[];
}

export interface UpstreamTransport {
  /** The upstream's own proxy (SAAS_SECURITY_PROXY / STA_PROXY); wins over the system proxy. */
  proxy: string | null;
  system: SystemProxy;
  /** PEM text of extra CAs to trust beside the system ones. */
  ca: string | null;
  /** Do not verify the upstream's certificate. */
  insecure: boolean;
}

export const DIRECT: UpstreamTransport = { proxy: null, system: { httpsProxy: null, httpProxy: null, noProxy: [] }, ca: null, insecure: false };

/** Whether NO_PROXY exempts this URL, with curl's rules (no implicit localhost exemption). */
export function bypassesProxy(url: URL, noProxy: readonly string[]): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[|\](?=:|$)/g, ''))!;
    const name = m[1]!.replace(/^\*?\./, '');
    if (m[2] && m[2] !== port) return false;
    return name !== '' && (host === name || host.endsWith(`.${name}`));
  });
}

/** The proxy a request to `url` goes through, or null for a direct connection. */
export function proxyFor(url: URL, t: UpstreamTransport): string | null {
  if (t.proxy) return t.proxy;
  const system = url.protocol === 'https:' ? (t.system.httpsProxy ?? t.system.httpProxy) : t.system.httpProxy;
  if (!system || bypassesProxy(url, t.system.noProxy)) return null;
  return system;
}

/** A proxy URL safe to log: credentials dropped. */
export function describeProxy(proxy: string): string {
  const u = new URL(proxy);
  return `${u.protocol}//${u.host}`;
}

/**
 * got's request function through a forward proxy: https:// as got would (its agent, a CONNECT tunnel), http:// in
 * absolute form. Node's own http.request does the latter when it is pointed at the proxy with the whole URL as
 * the path, over a keep-alive pool of connections to the proxy. Hand-written because the library for it,
 * http-proxy-agent (9.0.0), rewrites a request's header after got has queued it and sends the header twice
 * when a body follows (every POST).
 */
function absoluteFormThrough(proxy: string): RequestFunction {
  let fn = absoluteFormByProxy.get(proxy);
  if (!fn) absoluteFormByProxy.set(proxy, (fn = absoluteFormRequest(proxy)));
  return fn;
}

/**
 * One CONNECT agent per proxy URL, kept alive: destinations ask for their options per POST, and a fresh agent
 * each time opened a new tunnel (and TLS handshake) for every delivery. The agent's pool keys sockets by the
 * per-request TLS options (ca, rejectUnauthorized), so callers trusting different CAs never share a socket.
 */
function connectAgentThrough(proxy: string): HttpsProxyAgent {
  let agent = connectAgentByProxy.get(proxy);
  if (!agent) connectAgentByProxy.set(proxy, (agent = new HttpsProxyAgent({ proxy, keepAlive: true })));
  return agent;
}
const connectAgentByProxy = new Map<string, HttpsProxyAgent>();

/** One request function (and pool of connections to the proxy) per proxy URL: destinations ask per POST. */
const absoluteFormByProxy = new Map<string, RequestFunction>();

function absoluteFormRequest(proxy: string): RequestFunction {
  const p = new URL(proxy);
  const viaTls = p.protocol === 'https:';
  // Connections to the proxy, kept alive and shared by every target it forwards to.
  const agent = viaTls ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const credentials =
    p.username || p.password ? `Basic ${Buffer.from(`${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`).toString('base64')}` : null;
  return (url, options, callback) => {
    if (url.protocol !== 'http:') return https.request(url, options, callback);
    const { ca: _ca, rejectUnauthorized: _r, checkServerIdentity: _c, servername: _s, ...rest } = options as https.RequestOptions;
    return (viaTls ? https : http).request(
      {
        ...rest,
        agent,
        protocol: p.protocol,
        host: p.hostname.replace(/^\[|\]$/g, ''),
        port: p.port || (viaTls ? 443 : 80),
        path: url.href,
        // The target's Host, as the origin would have received it; the credentials are the proxy's (it strips them).
        headers: { ...rest.headers, host: url.host, ...(credentials ? { 'proxy-authorization': credentials } : {}) },
      },
      callback,
    );
  };
}

/** The got options for an upstream at `baseUrl`: agents and request function (proxy or keep-alive default), TLS trust. */
export function transportOptions(baseUrl: string, t: UpstreamTransport = DIRECT): Pick<ExtendOptions, 'agent' | 'https' | 'request'> {
  const url = new URL(baseUrl);
  const proxy = proxyFor(url, t);
  const trust: NonNullable<ExtendOptions['https']> = {
    ...(t.ca ? { certificateAuthority: [...rootCertificates, t.ca] } : {}),
    ...(t.insecure ? { rejectUnauthorized: false } : {}),
  };
  if (!proxy) return { https: trust };
  return { https: trust, agent: { https: connectAgentThrough(proxy) }, request: absoluteFormThrough(proxy) };
}
