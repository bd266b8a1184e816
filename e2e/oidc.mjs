// A real OpenID Connect provider (panva's oidc-provider, a certified
// implementation) on loopback, and users signed in to it through the
// authorization code flow (with PKCE), as a dashboard's users would be.
// It prints one JSON line, then serves until its standard input closes:
//   {"issuer": ..., "audience": ..., "wrongIssuer": ...,
//    "tokens": {"operator": JWT, "viewer": JWT, "shortLived": JWT, "otherAudience": JWT, "otherIssuer": JWT}}
// operator (alice) has the role "operator", viewer (bob) the role "viewer";
// shortLived (carol, an operator) expires five seconds after it is issued;
// otherAudience is alice's token for another API; otherIssuer is alice's
// token from a second provider that signs with the same key under another
// issuer name.
import Provider from 'oidc-provider';
import crypto from 'node:crypto';
import http from 'node:http';

const audience = 'api://vb365-graphql';
const redirectURI = 'http://127.0.0.1:9/callback';
const roles = { alice: ['operator'], bob: ['viewer'], carol: ['operator'] };

const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
Object.assign(key, { kid: 'signing-key-1', alg: 'RS256', use: 'sig' });

async function startProvider() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'dashboard',
      client_secret: 'dashboard-secret',
      redirect_uris: [redirectURI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [key] },
    scopes: ['openid', 'api'],
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    extraTokenClaims: async (_ctx, token) => ({ roles: roles[token.accountId] ?? [] }),
    ttl: {
      AccessToken: (_ctx, token) => (token.accountId === 'carol' ? 5 : 600),
    },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: 'api', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('provider error:', err));
  server.on('request', provider.callback());
  return { issuer, server };
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// signIn runs the authorization code flow for user through the provider's
// own login and consent pages, and returns the access token.
async function signIn(issuer, user, resource) {
  const cookies = new Map();
  const go = async (url, init = {}) => {
    const headers = { ...(init.headers ?? {}), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  };
  const verifier = b64url(crypto.randomBytes(32));
  const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
  let res = await go(`${issuer}/auth?${new URLSearchParams({
    client_id: 'dashboard', response_type: 'code', redirect_uri: redirectURI, scope: 'openid api', resource,
    code_challenge: challenge, code_challenge_method: 'S256', state: crypto.randomUUID(), nonce: crypto.randomUUID(),
  })}`);
  let code;
  for (let hops = 0; hops < 20 && !code; hops++) {
    const location = res.headers.get('location');
    if (!location) throw new Error(`${user}: the flow stopped at HTTP ${res.status}: ${await res.text()}`);
    const url = new URL(location, issuer);
    if (`${url.origin}${url.pathname}` === redirectURI) {
      code = url.searchParams.get('code');
      if (!code) throw new Error(`${user}: no code: ${url}`);
      break;
    }
    if (url.pathname.startsWith('/interaction/')) {
      const page = await (await go(url)).text();
      const prompt = page.includes('name="prompt" value="login"') ? 'login' : 'consent';
      const form = prompt === 'login' ? { prompt, login: user, password: 'any' } : { prompt };
      res = await go(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    } else {
      res = await go(url);
    }
  }
  const token = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: redirectURI, code_verifier: verifier,
      client_id: 'dashboard', client_secret: 'dashboard-secret', resource,
    }),
  });
  const body = await token.json();
  if (!body.access_token) throw new Error(`${user}: no access token: ${JSON.stringify(body)}`);
  return body.access_token;
}

const main = await startProvider();
const other = await startProvider();
const out = {
  issuer: main.issuer,
  audience,
  wrongIssuer: other.issuer,
  tokens: {
    operator: await signIn(main.issuer, 'alice', audience),
    viewer: await signIn(main.issuer, 'bob', audience),
    shortLived: await signIn(main.issuer, 'carol', audience),
    otherAudience: await signIn(main.issuer, 'alice', 'api://another-api'),
    otherIssuer: await signIn(other.issuer, 'alice', audience),
  },
};
console.log(JSON.stringify(out));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
