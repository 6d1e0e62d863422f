// Medplum's MemoryRepository stores whatever it is given. This subclass adds what a
// sandbox standing in for a real EHR must do: validate every write against the R4
// definitions and their required code bindings, honour If-Match on update and patch,
// let the server (not the client) choose ids on create, and undo a failed transaction
// (MemoryRepository's own withTransaction runs the callback with no rollback).
import { badRequest, OperationOutcomeError, preconditionFailed, validateResource } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import { checkRequiredBindings } from './terminology.mjs';

export class SandboxRepository extends MemoryRepository {
  #keys = new Set(); // "Type/id" of every stored resource: a cheap existence test
  #journal = undefined; // undo records while a transaction runs
  #patching = undefined; // { resourceType, id } while super.patchResource runs

  constructor() {
    super();
    if (!(this.resources instanceof Map)) {
      // storedResources() reads it; a Medplum upgrade that renames it must fail here, loudly.
      throw new Error('MemoryRepository no longer keeps its resources in this.resources');
    }
  }

  async createResource(resource, options) {
    const copy = structuredClone(resource);
    // A plain POST must not pick its own id (it could overwrite another resource);
    // batch/transaction entries arrive with an id Medplum has already generated.
    if (!options?.assignedId || !copy.id) {
      copy.id = this.generateId();
    }
    return this.#store(copy);
  }

  async updateResource(resource, options) {
    if (!resource?.id) {
      throw new OperationOutcomeError(badRequest('Missing id'));
    }
    if (this.#patching) {
      const { resourceType, id } = this.#patching;
      if (resource.resourceType !== resourceType || resource.id !== id) {
        throw new OperationOutcomeError(badRequest('A patch may not change resourceType or id'));
      }
    }
    if (options?.ifMatch !== undefined) {
      await this.#checkVersion(resource.resourceType, resource.id, options.ifMatch);
    }
    return this.#store(structuredClone(resource));
  }

  async patchResource(resourceType, id, patch, options) {
    if (options?.ifMatch !== undefined) {
      await this.#checkVersion(resourceType, id, options.ifMatch);
    }
    // MemoryRepository applies the patch and hands the result to this.updateResource,
    // where it is validated like any other write.
    this.#patching = { resourceType, id };
    try {
      return await super.patchResource(resourceType, id, patch);
    } finally {
      this.#patching = undefined;
    }
  }

  /**
   * The stored resources of a type, in MemoryRepository's order (its search scans the same
   * Map), as stored rather than copied: callers read them and never change them.
   */
  storedResources(resourceType) {
    // MemoryRepository's `resources` (TypeScript-private, a plain property at run time).
    return this.resources.get(resourceType)?.values() ?? [];
  }

  /** Whether a resource exists now; used to answer 201 rather than 200 for create-by-PUT. */
  exists(resourceType, id) {
    return this.#keys.has(`${resourceType}/${id}`);
  }

  beginJournal() {
    if (this.#journal) {
      throw new OperationOutcomeError(badRequest('Nested transactions are not supported'));
    }
    this.#journal = [];
  }

  commitJournal() {
    this.#journal = undefined;
  }

  async rollbackJournal() {
    const journal = this.#journal ?? [];
    this.#journal = undefined;
    for (const { resourceType, id, previous } of journal.reverse()) {
      if (previous) {
        // MemoryRepository keeps meta.versionId/lastUpdated when they are present,
        // so this restores the previous version exactly.
        await super.createResource(previous);
      } else {
        await super.deleteResource(resourceType, id);
        this.#keys.delete(`${resourceType}/${id}`);
      }
    }
  }

  async #checkVersion(resourceType, id, versionId) {
    const current = await this.readResource(resourceType, id);
    if (current.meta?.versionId !== versionId) {
      throw new OperationOutcomeError({
        ...preconditionFailed,
        issue: [
          {
            severity: 'error',
            code: 'conflict',
            details: { text: `Version mismatch: If-Match ${versionId}, current ${current.meta?.versionId}` },
          },
        ],
      });
    }
  }

  async #store(resource) {
    if (resource.meta) {
      // The server owns these; MemoryRepository would otherwise keep a client's values.
      delete resource.meta.versionId;
      delete resource.meta.lastUpdated;
      if (Object.keys(resource.meta).length === 0) {
        delete resource.meta;
      }
    }
    // Medplum types Resource.id as a plain string, so its validator lets any id through.
    if (typeof resource.id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(resource.id)) {
      const expression = `${resource.resourceType}.id`;
      throw new OperationOutcomeError(badRequest('Invalid id: 1 to 64 of A-Z a-z 0-9 - .', expression));
    }
    validateResource(resource);
    checkRequiredBindings(resource);
    const { resourceType, id } = resource;
    if (this.#journal) {
      const previous = this.exists(resourceType, id) ? await this.readResource(resourceType, id) : undefined;
      this.#journal.push({ resourceType, id, previous });
    }
    const stored = await super.createResource(resource);
    this.#keys.add(`${resourceType}/${id}`);
    return stored;
  }
}
