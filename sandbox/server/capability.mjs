// The CapabilityStatement is built from the same tables the server runs on (the
// resource types Medplum validates, the search parameters search.mjs accepts), so it
// cannot claim an interaction or parameter the server would refuse.
import { loadDefinitions } from './definitions.mjs';
import { DEFAULT_COUNT, MAX_COUNT, supportedSearchParams } from './search.mjs';

const TYPE_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'create', 'search-type'];

const SEARCH_NOTES =
  `Paging with _count (default ${DEFAULT_COUNT}, at most ${MAX_COUNT}) and _offset; ` +
  '"next" and "previous" links carry this base URL. _sort on any listed parameter. ' +
  'string parameters match a value that starts with the search text, ignoring case and ' +
  'accents (:exact and :contains are supported); uri parameters match exactly; token ' +
  'parameters accept :not; every parameter accepts :missing; date parameters accept the ' +
  'prefixes eq ne gt lt ge le sa eb ap; a reference parameter given a bare id matches any ' +
  'of its target types. Other parameters and modifiers, chaining, _include and _revinclude ' +
  'are refused with 400.';

export function capabilityStatement(baseUrl, software) {
  const resource = loadDefinitions().map((type) => ({
    type,
    interaction: TYPE_INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    searchParam: supportedSearchParams(type).map((p) => ({ name: p.code, type: p.type, definition: p.url })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: software.startedAt,
    kind: 'instance',
    software: { name: software.name, version: software.version },
    implementation: { description: 'Frontdesk sandbox EHR (in-memory, synthetic data only)', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Every create, update, patch result and Bundle entry is validated against the R4 ' +
          'definitions (400 with an OperationOutcome when invalid). Update and patch honour ' +
          'If-Match: W/"<versionId>" (412 when stale). Update with a new id creates (201). ' +
          'Transactions are atomic. ' +
          SEARCH_NOTES,
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
