// Medplum's in-memory search semantics (@medplum/core 4.5.2 src/search/match.ts, and the
// sort comparator of @medplum/fhir-router's MemoryRepository), rearranged so that the
// work is done once rather than per resource and per search:
// - each filter's values are split, parsed and lower-cased once per search, here;
// - each resource's searchable values are extracted once per stored version
//   (expressions.mjs), from the parameter's expression narrowed to its resource type.
// The comparisons themselves are Medplum's, line for line, so results are unchanged.
import { getSearchParameters, Operator, splitSearchOnComma, toPeriod } from '@medplum/core';
import { extractor } from './expressions.mjs';

function isNegated(operator) {
  return operator === Operator.NOT_EQUALS || operator === Operator.NOT;
}

function tokenTest(filterValue) {
  if (filterValue.includes('|')) {
    const [system, value] = filterValue.split('|').map((s) => s.toLowerCase());
    if (!system && !value) {
      return () => false;
    }
    if (!system) {
      // |code: a code or identifier value with no system
      return (token) => !token.system && token.valueLower === value;
    }
    // system| or system|code
    return (token) => token.systemLower === system && (!value || token.valueLower === value);
  }
  // code: any system
  const value = filterValue.toLowerCase();
  return (token) => token.valueLower === value;
}

function dateTest(operator, filterValue) {
  const filterPeriod = toPeriod(filterValue);
  if (!filterPeriod) {
    return () => false;
  }
  const filterStart = filterPeriod.start;
  const filterEnd = filterPeriod.end;
  return (resourceValue) => {
    if (!resourceValue) {
      return false;
    }
    const resourceStart = resourceValue.start ?? '0000';
    const resourceEnd = resourceValue.end ?? '9999';
    switch (operator) {
      case Operator.APPROXIMATELY:
      case Operator.EQUALS:
      case Operator.NOT_EQUALS: // negation is applied by the caller
        return resourceStart < filterEnd && resourceEnd > filterStart;
      case Operator.LESS_THAN:
        return resourceStart < filterStart;
      case Operator.GREATER_THAN:
        return resourceEnd > filterEnd;
      case Operator.LESS_THAN_OR_EQUALS:
        return resourceStart <= filterEnd;
      case Operator.GREATER_THAN_OR_EQUALS:
        return resourceEnd >= filterStart;
      case Operator.STARTS_AFTER:
        return resourceStart > filterEnd;
      case Operator.ENDS_BEFORE:
        return resourceEnd < filterStart;
      default:
        return false;
    }
  };
}

/** True if any (resource value, filter value) pair matches; `:not`/`ne` negate. */
function anyPair(resourceValues, tests, negated) {
  for (const resourceValue of resourceValues) {
    for (const test of tests) {
      if (test(resourceValue)) {
        return !negated;
      }
    }
  }
  return negated;
}

/** A predicate on stored resources of resourceType for one parsed search filter. */
export function compileFilter(resourceType, filter) {
  const param = getSearchParameters(resourceType)?.[filter.code];
  if (!param) {
    return () => false;
  }
  const { operator } = filter;
  const extract = extractor(param);
  if (operator === Operator.MISSING || operator === Operator.PRESENT) {
    const desired =
      (operator === Operator.MISSING && filter.value === 'false') ||
      (operator === Operator.PRESENT && filter.value === 'true');
    return (resource) => desired === (extract(resource).typed.length > 0);
  }
  const negated = isNegated(operator);
  const filterValues = splitSearchOnComma(filter.value);
  switch (param.type) {
    case 'reference': {
      // Some filter value is one of the references <=> some reference is in the set.
      const wanted = new Set(filterValues);
      const compartment = filter.code === '_compartment';
      return (resource) => {
        const found = extract(resource);
        if (filter.value === '' && found.typed.length === 0) {
          return operator === Operator.EQUALS;
        }
        const references = found.references;
        if (references.some((reference) => wanted.has(reference))) {
          return !negated;
        }
        if (compartment) {
          const ends = (v) => references.some((reference) => reference?.endsWith('/' + v));
          if (filterValues.some(ends)) {
            return !negated;
          }
        }
        return negated;
      };
    }
    case 'string':
    case 'uri': {
      const tests = filterValues.map((v) => {
        const value = v.toLowerCase();
        return (resourceValue) => resourceValue.toLowerCase().includes(value);
      });
      return (resource) => anyPair(extract(resource).strings, tests, negated);
    }
    case 'token': {
      const tests = filterValues.map(tokenTest);
      return (resource) => anyPair(extract(resource).tokens, tests, negated);
    }
    case 'date': {
      const tests = filterValues.map((v) => dateTest(operator, v));
      return (resource) => anyPair(extract(resource).dates, tests, negated);
    }
    default:
      return () => false;
  }
}

// String.prototype.localeCompare without arguments is this collator's compare.
const collator = new Intl.Collator();

/**
 * Sorts like MemoryRepository.search: one stable sort per rule, in the order given,
 * comparing the JSON of each resource's values with localeCompare.
 */
export function sortResources(resourceType, resources, sortRules) {
  let sorted = resources;
  for (const rule of sortRules) {
    const param = getSearchParameters(resourceType)?.[rule.code];
    if (!param?.expression) {
      continue; // Medplum's comparator answers 0 for every pair
    }
    const sign = rule.descending ? -1 : 1;
    const extract = extractor(param);
    const keyed = sorted.map((resource) => ({ resource, key: extract(resource).sortKey }));
    keyed.sort((a, b) => collator.compare(a.key, b.key) * sign);
    sorted = keyed.map((k) => k.resource);
  }
  return sorted;
}
