// FHIR string and uri search semantics, which Medplum's in-memory matcher does not have
// (it treats every string and uri value as a case-insensitive substring test, so
// family=mit would find "Smith"). Per the R4 search spec:
//   string: matches when any part (a HumanName's family, given, ...; an Address's city,
//           line, ...) starts with the value, ignoring case and accents; :exact compares
//           exactly; :contains matches anywhere.
//   uri:    matches the whole value exactly.
import { evalFhirPathTyped, splitSearchOnComma, toTypedValue } from '@medplum/core';

function parts(typed) {
  const v = typed.value;
  switch (typed.type) {
    case 'HumanName':
      return [v.text, v.family, ...(v.given ?? []), ...(v.prefix ?? []), ...(v.suffix ?? [])];
    case 'Address':
      return [v.text, ...(v.line ?? []), v.city, v.district, v.state, v.postalCode, v.country];
    default:
      return [v];
  }
}

const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

function matchesOne(part, value, param, modifier) {
  if (param.type === 'uri' || modifier === 'exact') {
    return part === value;
  }
  return modifier === 'contains' ? fold(part).includes(fold(value)) : fold(part).startsWith(fold(value));
}

/** A predicate for one occurrence of a string/uri parameter (comma-separated values are OR'd). */
export function stringFilter(param, modifier, rawValue) {
  const values = splitSearchOnComma(rawValue);
  return (resource) => {
    const found = evalFhirPathTyped(param.expression, [toTypedValue(resource)])
      .flatMap(parts)
      .filter((p) => typeof p === 'string');
    return values.some((value) => found.some((part) => matchesOne(part, value, param, modifier)));
  };
}
