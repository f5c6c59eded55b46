/** Confluent Schema Registry REST calls used by MSG-SR-001 (over a tunnel to its Service). */

const CT = 'application/vnd.schemaregistry.v1+json';

export class SchemaRegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SchemaRegistryError';
  }
}

export class SchemaRegistryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: body === undefined ? { accept: CT } : { accept: CT, 'content-type': CT },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok)
      throw new SchemaRegistryError(
        `${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`,
        res.status,
      );
    return (text ? JSON.parse(text) : undefined) as T;
  }

  register(subject: string, schema: string): Promise<{ id: number }> {
    return this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema,
      schemaType: 'AVRO',
    });
  }

  latest(subject: string): Promise<{ subject: string; version: number; id: number; schema: string }> {
    return this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
  }

  async compatible(subject: string, schema: string): Promise<boolean> {
    const r = await this.call<{ is_compatible: boolean }>(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`,
      { schema, schemaType: 'AVRO' },
    );
    return r.is_compatible;
  }

  /** Subject names; `includeDeleted` also lists soft-deleted ones (not yet permanently deleted). */
  subjects(includeDeleted = false): Promise<string[]> {
    return this.call('GET', includeDeleted ? '/subjects?deleted=true' : '/subjects');
  }

  /** Soft delete then permanent delete, so the subject name leaves no trace. 404 counts as gone. */
  async deleteSubject(subject: string): Promise<void> {
    for (const suffix of ['', '?permanent=true']) {
      try {
        await this.call('DELETE', `/subjects/${encodeURIComponent(subject)}${suffix}`);
      } catch (e) {
        if (!(e instanceof SchemaRegistryError && e.status === 404)) throw e;
      }
    }
  }
}
