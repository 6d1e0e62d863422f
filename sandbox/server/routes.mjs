// The FHIR interactions this sandbox offers. Medplum's FhirRouter comes with many more
// routes (history, delete, conditional writes, GraphQL, ...); they are removed so that
// the server does only what its CapabilityStatement says, and the routes it keeps get
// handlers that add what MemoryRepository lacks (If-Match on PATCH, 201 on create-by-PUT,
// atomic transactions of any size).
import { allOk, badRequest, created, isOk, OperationOutcomeError } from '@medplum/core';
import { createResourceImpl, FhirRouter, processBatch, updateResourceImpl } from '@medplum/fhir-router';
import { searchType } from './search.mjs';

function fail(message) {
  throw new OperationOutcomeError(badRequest(message));
}

/** Accepts W/"<versionId>" or "<versionId>"; anything else is refused rather than ignored. */
export function parseIfMatch(header) {
  if (header === undefined) {
    return undefined;
  }
  const match = /^(?:W\/)?"([^"]+)"$/.exec(String(header).trim());
  if (!match) {
    fail('If-Match must be W/"<versionId>"');
  }
  return match[1];
}

function requireResource(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    fail('The request body must be a FHIR resource (a JSON object)');
  }
  return body;
}

async function read(req, repo) {
  const { resourceType, id } = req.params;
  return [allOk, await repo.readResource(resourceType, id)];
}

async function vread(req, repo) {
  const { resourceType, id, vid } = req.params;
  return [allOk, await repo.readVersion(resourceType, id, vid)];
}

async function create(req, repo, _router, options) {
  if (req.headers?.['if-none-exist']) {
    fail('Conditional create (If-None-Exist) is not supported');
  }
  const resource = requireResource(req.body);
  return createResourceImpl(req.params.resourceType, resource, repo, { assignedId: Boolean(options?.batch) });
}

async function update(req, repo) {
  const { resourceType, id } = req.params;
  const resource = requireResource(req.body);
  const ifMatch = parseIfMatch(req.headers?.['if-match']);
  const existed = repo.exists(resourceType, id);
  const [outcome, result] = await updateResourceImpl(resourceType, id, resource, repo, { ifMatch });
  return isOk(outcome) && !existed ? [created, result] : [outcome, result];
}

async function patch(req, repo) {
  const { resourceType, id } = req.params;
  const operations = req.body;
  const isOperation = (op) => op && typeof op === 'object' && typeof op.op === 'string';
  if (!Array.isArray(operations) || !operations.every(isOperation)) {
    fail('A JSON Patch body must be an array of operations');
  }
  const ifMatch = parseIfMatch(req.headers?.['if-match']);
  return [allOk, await repo.patchResource(resourceType, id, operations, { ifMatch })];
}

function checkTransactionTargets(entries) {
  const targets = new Set();
  const fullUrls = new Set();
  entries.forEach((entry, i) => {
    const { method, url } = entry?.request ?? {};
    if (entry?.fullUrl) {
      if (fullUrls.has(entry.fullUrl)) {
        fail(`Bundle.entry[${i}]: fullUrl appears more than once in the transaction`);
      }
      fullUrls.add(entry.fullUrl);
    }
    if ((method === 'PUT' || method === 'PATCH') && typeof url === 'string') {
      const target = url.replace(/^\/+/, '');
      if (targets.has(target)) {
        fail(`Bundle.entry[${i}]: ${method} ${target} appears more than once in the transaction`);
      }
      targets.add(target);
    }
  });
}

function addEtags(bundle) {
  for (const entry of bundle.entry ?? []) {
    const meta = entry?.resource?.meta;
    if (entry?.response && meta?.versionId) {
      entry.response.etag = `W/"${meta.versionId}"`;
      entry.response.lastModified = meta.lastUpdated;
    }
  }
  return bundle;
}

async function transaction(req, repo, router, bundle) {
  checkTransactionTargets(bundle.entry);
  // Medplum's own transaction mode caps a Bundle at 50 updates and relies on the
  // repository for rollback, which MemoryRepository does not do. So the Bundle runs in
  // Medplum's batch mode (same ordering and urn:uuid rewriting) under our undo journal,
  // and the first failed entry fails the whole Bundle.
  repo.beginJournal();
  let result;
  try {
    result = await processBatch(req, repo, router, bundle);
  } catch (err) {
    await repo.rollbackJournal();
    throw err;
  }
  const failed = result.entry.findIndex((entry) => !/^2\d\d$/.test(entry?.response?.status ?? ''));
  if (failed >= 0) {
    await repo.rollbackJournal();
    const outcome = structuredClone(result.entry[failed]?.response?.outcome ?? badRequest('Entry failed'));
    outcome.issue = (outcome.issue ?? []).map((issue) => ({
      ...issue,
      details: { text: `Bundle.entry[${failed}]: ${issue.details?.text ?? issue.code}` },
    }));
    throw new OperationOutcomeError(outcome);
  }
  repo.commitJournal();
  return [allOk, addEtags(result)];
}

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Index and allowed methods of each entry asking for an interaction this server does not offer. */
function unsupportedEntries(router, entries) {
  const found = [];
  entries.forEach((entry, i) => {
    const { method, url } = entry.request ?? {};
    if (typeof method === 'string' && typeof url === 'string' && url && !router.find(method, url)) {
      found.push({ i, method, allowed: METHODS.filter((m) => router.find(m, url)) });
    }
  });
  return found;
}

function notSupported(method) {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'error', code: 'not-supported', details: { text: `${method} is not supported here` } },
    ],
  };
}

async function batchOrTransaction(req, repo, router) {
  if (req.config?.inBundle) {
    fail('Bundles inside Bundles are not supported');
  }
  const bundle = requireResource(req.body);
  if (bundle.resourceType !== 'Bundle') {
    fail('POST to the base URL takes a Bundle');
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    fail('Bundle.type must be "batch" or "transaction"');
  }
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0) {
    fail('The Bundle has no entries');
  }
  bundle.entry.forEach((entry, i) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      fail(`Bundle.entry[${i}] must be an object`);
    }
  });
  const unsupported = unsupportedEntries(router, bundle.entry);
  const inner = { ...req, config: { ...req.config, transactions: false, inBundle: true } };
  if (bundle.type === 'transaction') {
    if (unsupported.length) {
      fail(`Bundle.entry[${unsupported[0].i}]: ${unsupported[0].method} is not supported here`);
    }
    return transaction(inner, repo, router, bundle);
  }
  const result = await processBatch(inner, repo, router, bundle);
  // Medplum answers these with a bare 404; say what is wrong where another method would work.
  for (const { i, method, allowed } of unsupported) {
    if (allowed.length) {
      result.entry[i] = { response: { status: '405', outcome: notSupported(method) } };
    }
  }
  return [allOk, addEtags(result)];
}

/** [method, path, handler, interaction] for every route the server offers. */
export const ROUTES = [
  ['POST', '', batchOrTransaction, 'batch'],
  ['GET', ':resourceType', searchType, 'search-type'],
  ['POST', ':resourceType', create, 'create'],
  ['GET', ':resourceType/:id', read, 'read'],
  ['GET', ':resourceType/:id/_history/:vid', vread, 'vread'],
  ['PUT', ':resourceType/:id', update, 'update'],
  ['PATCH', ':resourceType/:id', patch, 'patch'],
];

export function createRouter() {
  const router = new FhirRouter();
  router.router.routes.length = 0;
  for (const [method, path, handler, interaction] of ROUTES) {
    router.add(method, path, handler, interaction);
  }
  return router;
}
