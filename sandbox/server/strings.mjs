// FHIR string and uri search semantics, which Medplum's in-memory matcher does not have
// (it treats every string and uri value as a case-insensitive substring test, so
// family=mit would find "Smith"). Per the R4 search spec:
//   string: matches when any part (a HumanName's family, given, ...; an Address's city,
//           line, ...) starts with the value, ignoring case and accents; :exact compares
//           exactly; :contains matches anywhere.
//   uri:    matches the whole value exactly.
import { splitSearchOnComma } from '@medplum/core';
import { extractor } from './expressions.mjs';

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

// The string parts a value has, and the same folded, computed once per stored resource.
const stringParts = (typed) => typed.flatMap(parts).filter((p) => typeof p === 'string');
const foldedParts = (typed) => stringParts(typed).map(fold);

/** A predicate for one occurrence of a string/uri parameter (comma-separated values are OR'd). */
export function stringFilter(param, modifier, rawValue) {
  const values = splitSearchOnComma(rawValue);
  const extract = extractor(param);
  if (param.type === 'uri' || modifier === 'exact') {
    return (resource) => {
      const found = extract(resource).derived('string-parts', stringParts);
      return values.some((value) => found.includes(value));
    };
  }
  const folded = values.map(fold);
  const test =
    modifier === 'contains' ? (part, value) => part.includes(value) : (part, value) => part.startsWith(value);
  return (resource) => {
    const found = extract(resource).derived('folded-parts', foldedParts);
    return folded.some((value) => found.some((part) => test(part, value)));
  };
}
