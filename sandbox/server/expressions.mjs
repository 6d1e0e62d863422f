// What a search parameter finds in a resource, computed once.
//
// R4 shares one SearchParameter between many resource types, with one FHIRPath
// expression that is a union over all of them: `patient` is "AllergyIntolerance.patient
// | CarePlan.subject.where(resolve() is Patient) | ... " (32 terms), `phone` 5, `date` 24.
// Medplum's matcher re-parses that expression for every resource it looks at and then
// evaluates all the terms, each failing its own way on a foreign resource type: about
// 1 ms per resource for `patient`, so MedicationRequest?patient= took 400 ms.
//
// So, per (resource type, parameter), the expression is parsed once and every union term
// rooted at another resource type is replaced by `{}`, the empty collection. Such a term
// can only yield empty on this type: it is a path (property steps, where(), as(),
// ofType(), resolve(), first(), [n], `as`) from a root that is not this resource, and
// each of those steps maps an empty input to an empty output. Terms of any other shape
// are kept, so the narrowed expression gives exactly the original's result, duplicates
// removal by `|` included.
//
// And what an expression yields for a stored resource is remembered, keyed by the stored
// object itself (a WeakMap). MemoryRepository never changes a stored object: a write,
// patch or rollback stores a new one, so a changed resource simply misses the cache and
// nothing needs invalidating.
import {
  AsAtom,
  convertToSearchableDates,
  convertToSearchableReferences,
  convertToSearchableStrings,
  convertToSearchableTokens,
  DotAtom,
  EmptySetAtom,
  evalFhirPathTyped,
  FhirPathAtom,
  FunctionAtom,
  IndexerAtom,
  LiteralAtom,
  parseFhirPath,
  SymbolAtom,
  toTypedValue,
  UnionAtom,
} from '@medplum/core';
import { loadDefinitions } from './definitions.mjs';

// Functions that map an empty collection to an empty collection.
const EMPTY_PRESERVING = new Set(['where', 'as', 'ofType', 'resolve', 'first']);

let resourceTypes;

/** The resource type a path expression starts from, or undefined if it is not such a path. */
function pathRoot(atom) {
  if (atom instanceof SymbolAtom) {
    resourceTypes ??= new Set(loadDefinitions());
    return resourceTypes.has(atom.name) ? atom.name : undefined;
  }
  if (atom instanceof DotAtom) {
    const step = atom.right;
    const plainStep =
      (step instanceof SymbolAtom && /^[A-Za-z_]\w*$/.test(step.name)) ||
      (step instanceof FunctionAtom && EMPTY_PRESERVING.has(step.name));
    return plainStep ? pathRoot(atom.left) : undefined;
  }
  if (atom instanceof AsAtom) {
    return pathRoot(atom.left);
  }
  if (atom instanceof IndexerAtom && atom.expr instanceof LiteralAtom) {
    return pathRoot(atom.left);
  }
  return undefined;
}

/** The atom with every union term rooted at a type other than resourceType made `{}`. */
function narrow(atom, resourceType) {
  if (atom instanceof UnionAtom) {
    const left = narrow(atom.left, resourceType);
    const right = narrow(atom.right, resourceType);
    if (left instanceof EmptySetAtom && right instanceof EmptySetAtom) {
      return left; // {} | {} is {}
    }
    return left === atom.left && right === atom.right ? atom : new UnionAtom(left, right);
  }
  const root = pathRoot(atom);
  return root !== undefined && root !== resourceType ? new EmptySetAtom() : atom;
}

const compiled = new Map(); // "Type\0expression" -> FhirPathAtom

/** The parsed expression of a search parameter, narrowed to one resource type (cached). */
export function searchExpression(resourceType, param) {
  const key = `${resourceType}\0${param.expression}`;
  let atom = compiled.get(key);
  if (!atom) {
    const parsed = parseFhirPath(param.expression);
    atom = new FhirPathAtom(param.expression, narrow(parsed.child, resourceType));
    compiled.set(key, atom);
  }
  return atom;
}

const extracts = new Map(); // expression -> WeakMap(stored resource -> Extract)

/**
 * A function giving what a search parameter's expression yields for a stored resource,
 * with the searchable forms Medplum's matcher derives from it, each computed on first use:
 * `typed` (TypedValue[]), `references`, `tokens`, `dates`, `strings` and `sortKey`
 * (JSON of the values, what Medplum's sort compares).
 */
export function extractor(param) {
  let cache = extracts.get(param.expression);
  if (!cache) {
    cache = new WeakMap();
    extracts.set(param.expression, cache);
  }
  return (resource) => {
    let found = cache.get(resource);
    if (!found) {
      const atom = searchExpression(resource.resourceType, param);
      found = new Extract(evalFhirPathTyped(atom, [toTypedValue(resource)]));
      cache.set(resource, found);
    }
    return found;
  };
}

const lower = (s) => (typeof s === 'string' ? s.toLowerCase() : s);

class Extract {
  #references;
  #tokens;
  #dates;
  #strings;
  #sortKey;
  #derived;

  constructor(typed) {
    this.typed = typed;
  }

  /** compute(typed), remembered under key: for forms other modules derive. */
  derived(key, compute) {
    this.#derived ??= new Map();
    let value = this.#derived.get(key);
    if (value === undefined) {
      value = compute(this.typed);
      this.#derived.set(key, value);
    }
    return value;
  }

  get references() {
    return (this.#references ??= convertToSearchableReferences(this.typed));
  }

  /** Medplum's tokens, each with its system and value also lower-cased (as its matcher compares them). */
  get tokens() {
    return (this.#tokens ??= convertToSearchableTokens(this.typed).map((token) => ({
      system: token.system,
      value: token.value,
      systemLower: lower(token.system),
      valueLower: lower(token.value),
    })));
  }

  get dates() {
    return (this.#dates ??= convertToSearchableDates(this.typed));
  }

  get strings() {
    return (this.#strings ??= convertToSearchableStrings(this.typed));
  }

  get sortKey() {
    return (this.#sortKey ??= JSON.stringify(this.typed.map((e) => e.value)));
  }
}
