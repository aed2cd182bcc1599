// How an upstream connection leaves the gateway: directly or through an HTTP CONNECT proxy (the reference's
// "Use system proxy": HTTPS_PROXY / HTTP_PROXY / NO_PROXY, or the upstream's own SAAS_SECURITY_PROXY /
// STA_PROXY), trusting the system CAs plus an optional extra bundle (SAAS_SECURITY_CA_FILE / STA_CA_FILE), or,
// with SAAS_SECURITY_INSECURE / STA_INSECURE (the reference's "Trust any certificate"), no verification.
// http.ts calls transportOptions() for the got options; this module holds no other HTTP behaviour.
import { rootCertificates } from 'node:tls';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import type { ExtendOptions } from 'got';

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

/** The got options for an upstream at `baseUrl`: agents (proxy or keep-alive default) and TLS trust. */
export function transportOptions(baseUrl: string, t: UpstreamTransport = DIRECT): Pick<ExtendOptions, 'agent' | 'https'> {
  const url = new URL(baseUrl);
  const proxy = proxyFor(url, t);
  const https: NonNullable<ExtendOptions['https']> = {
    ...(t.ca ? { certificateAuthority: [...rootCertificates, t.ca] } : {}),
    ...(t.insecure ? { rejectUnauthorized: false } : {}),
  };
  if (!proxy) return { https };
  return {
    https,
    agent: {
      http: new HttpProxyAgent({ proxy, keepAlive: true }),
      https: new HttpsProxyAgent({ proxy, keepAlive: true }),
    },
  };
}
