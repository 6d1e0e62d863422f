// Type-level search. Medplum's in-memory matcher silently matches nothing for parameters
// and modifiers it cannot evaluate, which a client would take for "no such patient"; so
// anything outside the subset below is refused with 400 instead. String and uri
// parameters are matched here (strings.mjs), the rest with Medplum's semantics
// (matching.mjs) on values extracted once per stored resource (expressions.mjs): the
// same results as MemoryRepository.search, without re-parsing and re-evaluating each
// parameter's FHIRPath for every resource on every search. Medplum returns no paging
// links, so they are added here.
import {
  allOk,
  badRequest,
  deepClone,
  getSearchParameters,
  notFound,
  OperationOutcomeError,
  parseSearchRequest,
} from '@medplum/core';
import { isKnownResourceType } from './definitions.mjs';
import { compileFilter, sortResources } from './matching.mjs';
import { stringFilter } from './strings.mjs';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

// Parameter types this server evaluates, with the modifiers it honours.
const MODIFIERS = {
  string: ['', 'exact', 'contains', 'missing'],
  uri: ['', 'missing'],
  token: ['', 'not', 'missing'],
  reference: ['', 'missing'],
  date: ['', 'missing'],
};
// _compartment needs Medplum's server to fill meta.compartment; "phonetic" would be a
// plain string match here, which is not what the name promises.
const EXCLUDED = new Set(['_compartment', 'phonetic']);
const RESULT_PARAMS = new Set(['_count', '_offset', '_sort', '_format']);
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/** The search parameters this server really evaluates for a resource type. */
export function supportedSearchParams(resourceType) {
  return Object.values(getSearchParameters(resourceType) ?? {})
    .filter((p) => MODIFIERS[p.type] && !EXCLUDED.has(p.code))
    .sort((a, b) => a.code.localeCompare(b.code));
}

function fail(message) {
  throw new OperationOutcomeError(badRequest(message));
}

function lookup(resourceType, code) {
  const param = getSearchParameters(resourceType)?.[code];
  return param && MODIFIERS[param.type] && !EXCLUDED.has(code) ? param : undefined;
}

function nonNegativeInt(name, value) {
  if (Array.isArray(value) || !/^\d+$/.test(value ?? '')) {
    fail(`${name} must be a single non-negative integer`);
  }
  return parseInt(value, 10);
}

/** Checks the query; splits it into what Medplum matches and the string predicates matched here. */
function planQuery(resourceType, query) {
  const medplumQuery = {};
  const predicates = [];
  for (const [key, value] of Object.entries(query)) {
    if (RESULT_PARAMS.has(key)) {
      if (key === '_format' && ![value].flat().every((v) => JSON_FORMATS.has(v))) {
        fail('Only JSON is served (_format=json)');
      }
      medplumQuery[key] = value;
      continue;
    }
    const [code, modifier = '', ...rest] = key.split(':');
    const param = lookup(resourceType, code);
    if (!param || rest.length) {
      fail(`Unsupported search parameter: ${key}`);
    }
    if (!MODIFIERS[param.type].includes(modifier)) {
      fail(`Unsupported modifier :${modifier} on ${param.type} parameter ${code}`);
    }
    const values = [value].flat();
    if (modifier === 'missing') {
      if (values.some((v) => v !== 'true' && v !== 'false')) {
        fail(`${key} must be true or false`);
      }
      medplumQuery[key] = value;
    } else if (param.type === 'string' || param.type === 'uri') {
      values.forEach((v) => predicates.push(stringFilter(param, modifier, v)));
    } else {
      medplumQuery[key] = value;
    }
  }
  return { medplumQuery, predicates };
}

// "patient=123" means Patient/123 in FHIR, but Medplum compares whole reference
// strings, so a bare id is expanded to every type the parameter can point at.
function expandBareReferences(resourceType, searchRequest) {
  for (const filter of searchRequest.filters ?? []) {
    const param = lookup(resourceType, filter.code);
    if (param?.type !== 'reference' || filter.operator === 'missing') {
      continue;
    }
    const targets = param.target ?? [];
    filter.value = filter.value
      .split(',')
      .flatMap((v) => (v.includes('/') || v.includes(':') ? [v] : targets.map((t) => `${t}/${v}`)))
      .join(',');
  }
}

function pageUrl(baseUrl, resourceType, query, count, offset) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key !== '_count' && key !== '_offset') {
      [value].flat().forEach((v) => params.append(key, v));
    }
  }
  params.set('_count', String(count));
  params.set('_offset', String(offset));
  return `${baseUrl}/${resourceType}?${params}`;
}

function findPage(repo, resourceType, medplumQuery, predicates, count, offset) {
  const searchRequest = parseSearchRequest(resourceType, medplumQuery);
  for (const rule of searchRequest.sortRules ?? []) {
    if (!lookup(resourceType, rule.code)) {
      fail(`Unsupported _sort parameter: ${rule.code}`);
    }
  }
  expandBareReferences(resourceType, searchRequest);
  // What MemoryRepository.search did, in one pass over the stored resources (in its
  // order) and without copying every match: filter, sort, page, then copy the page.
  const tests = [...(searchRequest.filters ?? []).map((f) => compileFilter(resourceType, f)), ...predicates];
  const matches = [];
  scan: for (const resource of repo.storedResources(resourceType)) {
    for (const test of tests) {
      if (!test(resource)) {
        continue scan;
      }
    }
    matches.push(resource);
  }
  // FHIR means the first _sort key to be the primary one; sorting stably by each key
  // from the last to the first does that.
  const sorted = sortResources(resourceType, matches, [...(searchRequest.sortRules ?? [])].reverse());
  return { total: sorted.length, resources: sorted.slice(offset, offset + count).map((r) => deepClone(r)) };
}

/** Route handler for GET [base]/[type]. */
export async function searchType(req, repo) {
  const { resourceType } = req.params;
  if (!isKnownResourceType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
  const query = req.query ?? {};
  const { medplumQuery, predicates } = planQuery(resourceType, query);
  const requested = query._count === undefined ? DEFAULT_COUNT : nonNegativeInt('_count', query._count);
  const count = Math.min(requested, MAX_COUNT);
  const offset = query._offset === undefined ? 0 : nonNegativeInt('_offset', query._offset);
  const { total, resources } = findPage(repo, resourceType, medplumQuery, predicates, count, offset);

  const { baseUrl } = req.config;
  const link = [{ relation: 'self', url: pageUrl(baseUrl, resourceType, query, count, offset) }];
  if (count > 0 && offset + count < total) {
    link.push({ relation: 'next', url: pageUrl(baseUrl, resourceType, query, count, offset + count) });
  }
  if (count > 0 && offset > 0) {
    const previous = Math.max(0, offset - count);
    link.push({ relation: 'previous', url: pageUrl(baseUrl, resourceType, query, count, previous) });
  }
  const bundle = { resourceType: 'Bundle', type: 'searchset', total, link };
  if (resources.length > 0) {
    bundle.entry = resources.map((resource) => ({
      fullUrl: `${baseUrl}/${resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    }));
  }
  return [allOk, bundle];
}
