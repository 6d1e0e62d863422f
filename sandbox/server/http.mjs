// node:http front end: turns HTTP requests into FhirRequests for the router and the
// router's answers into FHIR JSON responses. Requests are handled one at a time: the
// repository is a few Maps in this process, so this costs little and makes every
// transaction (and its rollback) isolated from concurrent requests.
import { getStatus, OperationOutcomeError } from '@medplum/core';
import { METHODS } from './routes.mjs';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const JSON_TYPES = new Set(['application/fhir+json', 'application/json']);
const JSON_PATCH = 'application/json-patch+json';

/** An OperationOutcome carrying its own HTTP status (for errors raised outside Medplum). */
export class HttpError extends Error {
  constructor(status, code, text, headers = {}) {
    super(text);
    this.status = status;
    this.headers = headers;
    this.outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code, details: { text } }],
    };
  }
}

function mediaType(req) {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'too-long', `Request body larger than ${MAX_BODY_BYTES} bytes`));
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    req.on('error', reject);
  });
}

function parseBody(method, req, text) {
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') {
    return undefined;
  }
  const type = mediaType(req);
  if (method === 'PATCH' ? type !== JSON_PATCH : type && !JSON_TYPES.has(type)) {
    const expected = method === 'PATCH' ? JSON_PATCH : 'application/fhir+json';
    throw new HttpError(415, 'not-supported', `Content-Type must be ${expected}`);
  }
  if (!text.trim()) {
    throw new HttpError(400, 'invalid', 'The request body is empty');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid', 'The request body is not valid JSON');
  }
}

function resourceHeaders(status, resource, baseUrl) {
  const headers = {};
  const meta = resource?.meta;
  if (meta?.versionId) {
    headers.ETag = `W/"${meta.versionId}"`;
    headers['Last-Modified'] = new Date(meta.lastUpdated).toUTCString();
    if (status === 201) {
      headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${meta.versionId}`;
    }
  }
  return headers;
}

function send(res, status, body, headers = {}) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': FHIR_JSON,
    'Content-Length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

// Logs the error type and where it happened, never its message: messages can quote
// request data.
export function logFault(err, label = 'internal error') {
  const frames = String(err?.stack ?? '')
    .split('\n')
    .filter((line) => line.trim().startsWith('at '))
    .slice(0, 8);
  process.stderr.write(`sandbox: ${label} ${err?.name ?? typeof err}\n${frames.join('\n')}\n`);
}

/**
 * @param {object} app - { router, repo, log: boolean,
 *   baseUrl: (req) => string, capability: (baseUrl) => CapabilityStatement }
 */
export function createRequestHandler(app) {
  let tail = Promise.resolve();
  const serially = (task) => {
    const run = tail.then(task);
    tail = run.catch(() => {});
    return run;
  };

  async function handle(req, path, query) {
    const method = req.method;
    const baseUrl = app.baseUrl(req);
    if (path !== '/fhir' && !path.startsWith('/fhir/')) {
      throw new HttpError(404, 'not-found', 'The FHIR base is /fhir');
    }
    const relative = path.slice('/fhir'.length).replace(/^\/+/, '');
    const url = query === undefined ? relative : `${relative}?${query}`;

    if (relative === 'metadata') {
      if (method !== 'GET') {
        throw new HttpError(405, 'not-supported', `${method} is not allowed here`, { Allow: 'GET' });
      }
      return [200, app.capability(baseUrl), {}];
    }
    if (!app.router.find(method, url)) {
      const allowed = METHODS.filter((m) => app.router.find(m, url));
      if (allowed.length) {
        const text = `${method} is not allowed here`;
        throw new HttpError(405, 'not-supported', text, { Allow: allowed.join(', ') });
      }
      throw new HttpError(404, 'not-found', `No such endpoint: ${method} /fhir/${relative}`);
    }

    const body = parseBody(method, req, await readBody(req));
    const [outcome, resource] = await serially(() =>
      app.router.handleRequest(
        { method, url, pathname: '', body, params: {}, query: {}, headers: req.headers, config: { baseUrl } },
        app.repo
      )
    );
    const status = getStatus(outcome);
    if (status >= 400 || !resource) {
      return [status, outcome, {}];
    }
    return [status, resource, resourceHeaders(status, resource, baseUrl)];
  }

  return function onRequest(req, res) {
    const started = process.hrtime.bigint();
    const queryAt = req.url.indexOf('?');
    const path = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
    const query = queryAt < 0 ? undefined : req.url.slice(queryAt + 1);

    handle(req, path, query)
      .catch((err) => {
        if (err instanceof HttpError) {
          return [err.status, err.outcome, err.headers];
        }
        if (err instanceof OperationOutcomeError) {
          return [getStatus(err.outcome), err.outcome, {}];
        }
        logFault(err);
        return [500, new HttpError(500, 'exception', 'Internal server error').outcome, {}];
      })
      .then(([status, body, headers]) => {
        if (!res.headersSent) {
          send(res, status, body, headers);
        }
        if (app.log) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          process.stderr.write(`${req.method} ${path} ${status} ${ms.toFixed(1)}ms\n`);
        }
      })
      .catch(logFault);
  };
}
