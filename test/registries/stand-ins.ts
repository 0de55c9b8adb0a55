import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSigV4 } from './sigv4-check.js';

/**
 * Local stand-ins, on 127.0.0.1 and a free port, for the token endpoints Archway's registry adapters talk to through
 * the real SDKs: Amazon ECR (JSON 1.1) + STS AssumeRole (query protocol), and Google's OAuth2 token endpoint.
 * They verify what the real services verify (SigV4 signatures; the JWT assertion's RS256 signature) and hand out
 * registry credentials the test chose, so that a push to a local htpasswd registry can use them.
 */
type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return { url: `http://127.0.0.1:${port}`, close };
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomBytes(8).toString('hex'), ...headers })
    .end(body);
}

export interface StandInRole {
  arn: string;
  externalId?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface EcrStandInOptions {
  accessKeyId: string;
  secretAccessKey: string;
  /** Default "123456789012". */
  account?: string;
  /** Region in the default proxyEndpoint; default "us-east-1". */
  region?: string;
  /** What the authorization token decodes to: "<registryUser>:<registryPassword>"; default "AWS" and a random one. */
  registryUser?: string;
  registryPassword?: string | ((n: number) => string);
  /** Default 43200 (12 h, as ECR). */
  tokenLifetimeSeconds?: number;
  /** Default "https://<account>.dkr.ecr.<region>.amazonaws.com"; give a local registry's URL to push there. */
  proxyEndpoint?: string;
  repositories?: string[];
  /** Whether callers may CreateRepository; default true. */
  canCreateRepositories?: boolean;
  /** Roles callers may assume (STS AssumeRole), each handing out the given session credentials. */
  roles?: StandInRole[];
  /** When set, only these access key ids may call ECR (e.g. only a role's session key). */
  ecrCallers?: string[];
}

export interface StandInCall {
  operation: string;
  accessKeyId: string;
  region: string;
  service: string;
  sessionToken: string | null;
  input: Record<string, unknown>;
}

export interface EcrStandIn {
  /** The endpoint to give the SDK (ResolveOptions.awsEndpoint or ARCHWAY_AWS_ENDPOINT). */
  url: string;
  /** Every correctly signed call, in order. */
  calls: StandInCall[];
  /** Requests refused before any operation ran (unsigned, unknown key, bad signature). */
  rejected: Array<{ why: string; accessKeyId: string | null }>;
  repositories: Set<string>;
  /** The registry passwords handed out so far, in order. */
  passwords: string[];
  close(): Promise<void>;
}

const ECR_JSON = 'application/x-amz-json-1.1';

function ecrError(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, ECR_JSON, JSON.stringify({ __type: type, message }), { 'x-amzn-errortype': type });
}

function stsError(res: ServerResponse, code: string, message: string): void {
  send(
    res,
    403,
    'text/xml',
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
  );
}

interface EcrContext {
  opts: EcrStandInOptions;
  account: string;
  region: string;
  proxyEndpoint: string;
  secrets: Map<string, { secret: string; token: string | null }>;
  state: EcrStandIn;
  fallbackPassword: string;
}

function repositoryJson(ctx: EcrContext, name: string) {
  const { account, region } = ctx;
  return {
    repositoryName: name,
    registryId: account,
    repositoryArn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
    repositoryUri: `${account}.dkr.ecr.${region}.amazonaws.com/${name}`,
    createdAt: Date.now() / 1000,
  };
}

function authorizationToken(ctx: EcrContext, res: ServerResponse): void {
  const { opts, state } = ctx;
  const n = state.passwords.length;
  const pw =
    typeof opts.registryPassword === 'function'
      ? opts.registryPassword(n)
      : (opts.registryPassword ?? ctx.fallbackPassword);
  state.passwords.push(pw);
  const authorizationToken = Buffer.from(`${opts.registryUser ?? 'AWS'}:${pw}`).toString('base64');
  const expiresAt = Date.now() / 1000 + (opts.tokenLifetimeSeconds ?? 43_200);
  send(
    res,
    200,
    ECR_JSON,
    JSON.stringify({ authorizationData: [{ authorizationToken, expiresAt, proxyEndpoint: ctx.proxyEndpoint }] }),
  );
}

function ecrOperation(
  ctx: EcrContext,
  operation: string,
  input: Record<string, unknown>,
  caller: string,
  res: ServerResponse,
): void {
  const { opts, state, account } = ctx;
  const denied = `User: arn:aws:iam::${account}:user/${caller} is not authorized to perform: ecr:${operation}`;
  if (opts.ecrCallers && !opts.ecrCallers.includes(caller)) return ecrError(res, 400, 'AccessDeniedException', denied);
  if (operation === 'GetAuthorizationToken') return authorizationToken(ctx, res);
  const name =
    (input.repositoryNames as string[] | undefined)?.[0] ?? (input.repositoryName as string | undefined) ?? '';
  if (operation === 'DescribeRepositories') {
    if (state.repositories.has(name))
      return send(res, 200, ECR_JSON, JSON.stringify({ repositories: [repositoryJson(ctx, name)] }));
    return ecrError(
      res,
      400,
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${account}'`,
    );
  }
  if (operation === 'CreateRepository') {
    if (opts.canCreateRepositories === false)
      return ecrError(
        res,
        400,
        'AccessDeniedException',
        `${denied} on resource: ${repositoryJson(ctx, name).repositoryArn}`,
      );
    if (state.repositories.has(name))
      return ecrError(
        res,
        400,
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists`,
      );
    state.repositories.add(name);
    return send(res, 200, ECR_JSON, JSON.stringify({ repository: repositoryJson(ctx, name) }));
  }
  return ecrError(res, 400, 'UnknownOperationException', `stand-in does not know ${operation}`);
}

function assumeRole(ctx: EcrContext, form: URLSearchParams, res: ServerResponse): void {
  const role = (ctx.opts.roles ?? []).find((r) => r.arn === form.get('RoleArn'));
  if (!role || (role.externalId ?? null) !== form.get('ExternalId')) {
    return stsError(
      res,
      'AccessDenied',
      `User is not authorized to perform: sts:AssumeRole on resource: ${form.get('RoleArn') ?? ''}`,
    );
  }
  const exp = new Date(Date.now() + Number(form.get('DurationSeconds') ?? 3600) * 1000).toISOString();
  const credentials = `<AccessKeyId>${role.accessKeyId}</AccessKeyId><SecretAccessKey>${role.secretAccessKey}</SecretAccessKey><SessionToken>${role.sessionToken}</SessionToken><Expiration>${exp}</Expiration>`;
  const user = `<Arn>${role.arn}/${form.get('RoleSessionName') ?? ''}</Arn><AssumedRoleId>AROA:x</AssumedRoleId>`;
  send(
    res,
    200,
    'text/xml',
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>${credentials}</Credentials><AssumedRoleUser>${user}</AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  );
}

/** Checks the signature (and session token) like AWS, records the call, then runs the ECR or STS operation. */
function awsHandler(ctx: EcrContext): Handler {
  return (req, body, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const isEcr = target.startsWith('AmazonEC2ContainerRegistry_V20150921.');
    const sig = checkSigV4(
      { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body },
      (id) => ctx.secrets.get(id)?.secret,
    );
    const refuse = (why: string, ecrType: string, stsCode: string, message: string) => {
      ctx.state.rejected.push({ why, accessKeyId: sig.accessKeyId });
      return isEcr
        ? ecrError(res, why === 'bad-signature' ? 403 : 400, ecrType, message)
        : stsError(res, stsCode, message);
    };
    if (!sig.ok && sig.why === 'bad-signature') {
      return refuse(
        sig.why,
        'InvalidSignatureException',
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
    if (!sig.ok || ctx.secrets.get(sig.accessKeyId)?.token !== sig.sessionToken) {
      return refuse(
        sig.ok ? 'bad-session-token' : sig.why,
        'UnrecognizedClientException',
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    }
    const form = new URLSearchParams(isEcr ? '' : body.toString('utf8'));
    const operation = isEcr ? (target.split('.')[1] ?? '') : (form.get('Action') ?? '');
    const input = isEcr
      ? (JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>)
      : Object.fromEntries(form);
    ctx.state.calls.push({
      operation,
      accessKeyId: sig.accessKeyId,
      region: sig.region,
      service: sig.service,
      sessionToken: sig.sessionToken,
      input,
    });
    if (isEcr) return ecrOperation(ctx, operation, input, sig.accessKeyId, res);
    if (operation === 'AssumeRole') return assumeRole(ctx, form, res);
    return stsError(res, 'InvalidAction', `stand-in does not know ${operation}`);
  };
}

/** Starts the ECR + STS stand-in; rejects only if it cannot listen. The caller must `close()` it. */
export async function startEcrStandIn(opts: EcrStandInOptions): Promise<EcrStandIn> {
  const account = opts.account ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  const secrets = new Map<string, { secret: string; token: string | null }>([
    [opts.accessKeyId, { secret: opts.secretAccessKey, token: null }],
  ]);
  for (const r of opts.roles ?? []) secrets.set(r.accessKeyId, { secret: r.secretAccessKey, token: r.sessionToken });
  const state: EcrStandIn = {
    url: '',
    calls: [],
    rejected: [],
    repositories: new Set(opts.repositories ?? []),
    passwords: [],
    close: async () => {},
  };
  const ctx: EcrContext = {
    opts,
    account,
    region,
    secrets,
    state,
    fallbackPassword: randomBytes(12).toString('hex'),
    proxyEndpoint: opts.proxyEndpoint ?? `https://${account}.dkr.ecr.${region}.amazonaws.com`,
  };
  return Object.assign(state, await listen(awsHandler(ctx)));
}

export interface ServiceAccountFixture {
  /** The key file's JSON text, as a user pastes it into a GOOGLE_SERVICE_ACCOUNT integration. */
  json: string;
  clientEmail: string;
  projectId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A fresh 2048-bit RSA key pair as PEM (PKCS#8 private, SPKI public); takes a few hundred ms. Never throws. */
export function newRsaKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A service-account key whose token_uri is `tokenUri`, with the given RSA key pair or a fresh one. Never throws. */
export function makeServiceAccountKey(opts: {
  tokenUri: string;
  clientEmail?: string;
  projectId?: string;
  keyPair?: { privateKeyPem: string; publicKeyPem: string };
}): ServiceAccountFixture {
  const { privateKeyPem, publicKeyPem } = opts.keyPair ?? newRsaKeyPair();
  const projectId = opts.projectId ?? 'archway-test';
  const clientEmail = opts.clientEmail ?? `pusher@${projectId}.iam.gserviceaccount.com`;
  const json = JSON.stringify({
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKeyPem,
    client_email: clientEmail,
    client_id: '1',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: opts.tokenUri,
  });
  return { json, clientEmail, projectId, privateKeyPem, publicKeyPem };
}

export interface GoogleTokenStandInOptions {
  /** The access tokens handed out: fixed, or per request number; default a random "ya29.…" each time. */
  accessToken?: string | ((n: number) => string);
  /** Default 3600. */
  expiresInSeconds?: number;
}

export interface GoogleTokenStandIn {
  /** Put this in the key's token_uri. */
  tokenUri: string;
  /** Accepts assertions signed by this account's key from now on. */
  trust(clientEmail: string, publicKeyPem: string): void;
  /** Claims of every accepted assertion, in order. */
  grants: Array<{ iss: string; scope: string; aud: string; iat: number; exp: number }>;
  /** Access tokens handed out, in order. */
  issued: string[];
  rejected: string[];
  close(): Promise<void>;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Starts the Google token endpoint stand-in (POST /token, jwt-bearer grant, RS256); rejects only if it cannot
 * listen. Bad assertions get Google's 400 answers (invalid_grant ...). The caller must `close()` it. */
export async function startGoogleTokenStandIn(opts: GoogleTokenStandInOptions = {}): Promise<GoogleTokenStandIn> {
  const keys = new Map<string, string>();
  const state: GoogleTokenStandIn = {
    tokenUri: '',
    trust: (e, pem) => {
      keys.set(e, pem);
    },
    grants: [],
    issued: [],
    rejected: [],
    close: async () => {},
  };
  const fail = (res: ServerResponse, error: string, description: string) => {
    state.rejected.push(`${error}: ${description}`);
    send(res, 400, 'application/json', JSON.stringify({ error, error_description: description }));
  };
  const server = await listen((req, body, res) => {
    const form = new URLSearchParams(body.toString('utf8'));
    if (req.method !== 'POST' || form.get('grant_type') !== JWT_BEARER)
      return fail(res, 'unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type') ?? ''}`);
    const [h = '', p = '', s = ''] = (form.get('assertion') ?? '').split('.');
    const parse = (part: string) => {
      try {
        return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    const header = parse(h);
    const claims = parse(p) as { iss?: string; scope?: string; aud?: string; iat?: number; exp?: number };
    const pem = keys.get(String(claims.iss));
    if (header.alg !== 'RS256' || !pem) return fail(res, 'invalid_grant', 'Invalid grant: account not found');
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(pem), Buffer.from(s, 'base64url')))
      return fail(res, 'invalid_grant', 'Invalid JWT Signature.');
    const now = Date.now() / 1000;
    const { iat = 0, exp = 0, scope = '', aud = '' } = claims;
    if (iat > now + 60 || exp < now || exp - iat > 3600)
      return fail(
        res,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    if (aud !== 'https://oauth2.googleapis.com/token')
      return fail(res, 'invalid_grant', 'Invalid JWT: Failed audience check.');
    if (!scope.split(' ').includes('https://www.googleapis.com/auth/cloud-platform'))
      return fail(res, 'invalid_scope', 'cloud-platform scope expected by the stand-in.');
    state.grants.push({ iss: String(claims.iss), scope, aud, iat, exp });
    const n = state.issued.length;
    const token =
      typeof opts.accessToken === 'function'
        ? opts.accessToken(n)
        : (opts.accessToken ?? `ya29.${n}-${randomBytes(16).toString('base64url')}`);
    state.issued.push(token);
    send(
      res,
      200,
      'application/json',
      JSON.stringify({ access_token: token, expires_in: opts.expiresInSeconds ?? 3600, token_type: 'Bearer' }),
    );
  });
  return Object.assign(state, { tokenUri: `${server.url}/token`, close: server.close });
}
