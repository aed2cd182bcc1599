// Small network facts shared by config and server.
import net from 'node:net';

/** True for localhost, 127.0.0.0/8 and ::1: the only hosts an open (keyless) gateway may bind to. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return false;
}
