// The console shell: offers "Sign in" through the identity provider when the gateway names one, and API-key
// entry when it has keys; shows who is signed in, the sandbox banner on every view, and routes on the URL
// hash (#/work, #/alert/<alertId>, #/queue, #/incident/<id> or #/incident/<instance>/<id>, #/alerts, #/saml, #/status).
import { useEffect, useState } from 'react';
import { Provider } from 'urql';
import { client, describeError, errorCode, keyStore, resetConnections } from './api.js';
import * as signIn from './sign-in.js';
import { GatewayInfoDocument, type GatewayInfoQuery } from './gql/graphql.js';
import { DEFAULT_INSTANCE, disposeIncidentQueue } from './queue.js';
import { AlertDetail } from './views/AlertDetail.js';
import { Alerts } from './views/Alerts.js';
import { IncidentDetail } from './views/IncidentDetail.js';
import { Queue } from './views/Queue.js';
import { Saml } from './views/Saml.js';
import { Status } from './views/Status.js';
import { Workbench } from './views/Workbench.js';

type Gate =
  | { kind: 'checking' }
  | { kind: 'ok'; gateway: GatewayInfoQuery['gateway'] }
  | { kind: 'key'; message: string | null; oidc: signIn.OidcSettings | null }
  | { kind: 'down'; message: string };

function useRoute(): [string, (r: string) => void] {
  const [route, setRoute] = useState(location.hash.slice(1) || '/queue');
  useEffect(() => {
    const on = () => setRoute(location.hash.slice(1) || '/queue');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return [route, (r) => (location.hash = r)];
}

/** Once per page load: a return from the identity provider is completed (and the code taken out of the URL). */
let started: Promise<string | null> | null = null;
function start(): Promise<string | null> {
  return (started ??= (async () => {
    const oidc = await signIn.loadSettings();
    if (!oidc) return null;
    try {
      await signIn.completeSignIn();
    } catch (e) {
      return `Sign-in failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    signIn.resumeSession();
    return null;
  })());
}

async function check(): Promise<Gate> {
  const signInError = await start();
  const oidc = await signIn.loadSettings();
  if (signInError) return { kind: 'key', message: signInError, oidc };
  const r = await client.query(GatewayInfoDocument, {}).toPromise();
  if (r.data) return { kind: 'ok', gateway: r.data.gateway };
  const code = errorCode(r.error);
  const wasSignedIn = signIn.signedIn();
  const hadKey = keyStore.get() !== null;
  if (code === 'UNAUTHENTICATED') {
    keyStore.clear();
    signIn.signOut();
    const refused = r.error?.graphQLErrors[0]?.message;
    return {
      kind: 'key',
      oidc,
      message: wasSignedIn
        ? `The gateway refused your sign-in: ${refused ?? 'UNAUTHENTICATED'}. Sign in again.`
        : hadKey
          ? 'The gateway refused this key: it is not one of its API keys (UNAUTHENTICATED). Check it and try again.'
          : null,
    };
  }
  if (code === 'FORBIDDEN') {
    keyStore.clear();
    signIn.signOut();
    return {
      kind: 'key',
      oidc,
      message: wasSignedIn
        ? 'You are signed in, but your roles grant no read scope: ask for a group that SECGRAPH_OIDC_ROLE_SCOPES maps to read.'
        : 'This key has no read scope: the console needs a key with read (and respond for actions).',
    };
  }
  return { kind: 'down', message: describeError(r.error) ?? 'The gateway did not answer.' };
}

export function App() {
  const [gate, setGate] = useState<Gate>({ kind: 'checking' });
  const recheck = () => void check().then(setGate);
  useEffect(recheck, []);
  if (gate.kind === 'checking') return <p className="center">Connecting to the gateway…</p>;
  if (gate.kind === 'down')
    return (
      <main className="center">
        <h1>secgraph console</h1>
        <p className="error" role="alert">{gate.message}</p>
        <button type="button" onClick={recheck}>Try again</button>
      </main>
    );
  if (gate.kind === 'key') return <KeyForm message={gate.message} oidc={gate.oidc} done={recheck} />;
  return (
    <Provider value={client}>
      <Shell
        gateway={gate.gateway}
        signOut={() => {
          keyStore.clear();
          signIn.signOut();
          disposeIncidentQueue();
          resetConnections();
          recheck();
        }}
      />
    </Provider>
  );
}

function KeyForm({ message, oidc, done }: { message: string | null; oidc: signIn.OidcSettings | null; done(): void }) {
  const [key, setKey] = useState('');
  return (
    <main className="center">
      <h1>secgraph console</h1>
      {oidc && (
        <section className="sign-in">
          <p>Sign in with your organisation's account ({new URL(oidc.issuer).host}).</p>
          <button type="button" onClick={() => void signIn.signIn()}>Sign in</button>
          <p className="muted">Or use an API key:</p>
        </section>
      )}
      <form
        className="key-form"
        onSubmit={(e) => {
          e.preventDefault();
          keyStore.set(key.trim());
          resetConnections();
          done();
        }}
      >
        {!oidc && <p>This gateway requires an API key. It is kept in this tab only (sessionStorage) and sent as the Authorization header.</p>}
        <label>
          API key <input type="password" name="apiKey" autoComplete="off" autoFocus required value={key} onChange={(e) => setKey(e.target.value)} />
        </label>{' '}
        <button type="submit">Open the console</button>
        {message && <p className="error" role="alert" data-testid="key-error">{message}</p>}
      </form>
    </main>
  );
}

const VIEWS = [
  { path: '/work', name: 'Alert queue' },
  { path: '/queue', name: 'Incidents' },
  { path: '/alerts', name: 'STA alerts' },
  { path: '/saml', name: 'SAML detections' },
  { path: '/status', name: 'Gateway status' },
];

function Shell({ gateway, signOut }: { gateway: GatewayInfoQuery['gateway']; signOut(): void }) {
  const [route, go] = useRoute();
  // The session cannot be renewed (no refresh token, or the provider refused): say when it ends.
  const [endsAt, setEndsAt] = useState<number | null>(null);
  useEffect(() => signIn.onExpiring(setEndsAt), []);
  const canRespond = gateway.viewer.scopes.includes('respond');
  // An incident of the default SaaS Security tenant by its id; another tenant's as <instance>/<id>.
  const incident = /^\/incident\/(?:([A-Za-z0-9_-]+)\/)?(\d+)$/.exec(route);
  const alert = /^\/alert\/(.+)$/.exec(route);
  const current = incident ? '/queue' : alert ? '/work' : route;
  useEffect(() => {
    document.title = `secgraph console${gateway.sandboxes.length ? ' (SANDBOX)' : ''}`;
  }, [gateway.sandboxes.length]);
  return (
    <>
      {gateway.sandboxes.length > 0 && (
        <div className="sandbox-banner" role="alert" data-testid="sandbox-banner">
          SANDBOX: generated data from built-in emulators, not the real APIs, for {gateway.sandboxes.join(', ')}
        </div>
      )}
      {endsAt !== null && (
        <div className="session-banner" role="alert" data-testid="session-ending">
          Your sign-in ends at {new Date(endsAt).toLocaleTimeString()} and cannot be renewed:{' '}
          <button type="button" className="link" onClick={() => void signIn.signIn()}>sign in again</button>
        </div>
      )}
      <header className="top">
        <h1>secgraph</h1>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <a key={v.path} href={`#${v.path}`} aria-current={current === v.path ? 'page' : undefined}>{v.name}</a>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {gateway.viewer.kind === 'USER' ? (
            <>
              signed in as <strong data-testid="signed-in-as">{gateway.viewer.name ?? gateway.viewer.id}</strong>
              {gateway.viewer.email && ` (${gateway.viewer.email})`} · {gateway.viewer.scopes.join(', ')}
            </>
          ) : gateway.viewer.open ? (
            'open gateway'
          ) : (
            `key ${gateway.viewer.id ?? ''} scopes: ${gateway.viewer.scopes.join(', ')}`
          )}
          {!canRespond && ' (read only)'} · v{gateway.version}
          {!gateway.viewer.open && (
            <>
              {' '}· <button type="button" className="link" onClick={signOut}>{gateway.viewer.kind === 'USER' ? 'sign out' : 'forget key'}</button>
            </>
          )}
        </span>
      </header>
      <main>
        {alert ? (
          <AlertDetail alertId={decodeURIComponent(alert[1]!)} canRespond={canRespond} back={() => go('/work')} />
        ) : current === '/work' ? (
          <Workbench canRespond={canRespond} open={(id) => go(`/alert/${encodeURIComponent(id)}`)} />
        ) : incident ? (
          <IncidentDetail id={Number(incident[2])} instance={incident[1] ?? DEFAULT_INSTANCE} canRespond={canRespond} back={() => go('/queue')} />
        ) : current === '/alerts' ? (
          <Alerts canRespond={canRespond} />
        ) : current === '/saml' ? (
          <Saml />
        ) : current === '/status' ? (
          <Status />
        ) : (
          <Queue open={(id) => go(`/incident/${id}`)} />
        )}
      </main>
    </>
  );
}
