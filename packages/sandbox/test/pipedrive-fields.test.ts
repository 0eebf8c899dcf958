import { describe, expect, it } from 'vitest';
import { usePipedriveSandbox } from './helpers/pipedrive.js';
import { pd } from './openapi/pipedrive-http.js';
import { assertResponse } from './openapi/pipedrive-spec.js';

const sandbox = usePipedriveSandbox();

async function addField(body: Record<string, unknown>) {
  const res = await pd(sandbox(), 'POST', '/api/v2/personFields', body);
  expect(res.status).toBe(200);
  return res.body.data as {
    field_code: string;
    field_name: string;
    options: Array<{ id: number; label: string }> | null;
  };
}

describe('person fields', () => {
  it("lists the system fields in the spec's shape, then custom ones with generated 40-character hex keys", async () => {
    const before = await pd(sandbox(), 'GET', '/api/v2/personFields');
    assertResponse(before.body, 'GET', '/personFields');
    expect(before.body.data.map((f: { field_code: string }) => f.field_code)).toEqual(
      expect.arrayContaining(['name', 'email', 'phone']),
    );
    expect(before.body.data.every((f: { is_custom_field: boolean }) => !f.is_custom_field)).toBe(true);

    const created = await pd(sandbox(), 'POST', '/api/v2/personFields', {
      field_name: 'Birth year',
      field_type: 'double',
    });
    assertResponse(created.body, 'POST', '/personFields');
    const field = created.body.data;
    expect(field).toMatchObject({
      field_name: 'Birth year',
      field_type: 'double',
      is_custom_field: true,
      options: null,
    });
    expect(field.field_code).toMatch(/^[0-9a-f]{40}$/);
    const second = await addField({ field_name: 'Birth year', field_type: 'varchar' });
    expect(second.field_code).not.toBe(field.field_code);

    const after = await pd(sandbox(), 'GET', '/api/v2/personFields');
    expect(after.body.data.slice(-2).map((f: { field_code: string }) => f.field_code)).toEqual([
      field.field_code,
      second.field_code,
    ]);
    const one = await pd(sandbox(), 'GET', `/api/v2/personFields/${field.field_code}`);
    assertResponse(one.body, 'GET', '/personFields/{field_code}');
    expect(one.body.data.field_code).toBe(field.field_code);
    expect((await pd(sandbox(), 'GET', '/api/v2/personFields/0123456789012345678901234567890123456789')).status).toBe(
      404,
    );
  });

  it('pages the field list with a cursor', async () => {
    const first = await pd(sandbox(), 'GET', '/api/v2/personFields?limit=4');
    expect(first.body.data).toHaveLength(4);
    const rest = await pd(
      sandbox(),
      'GET',
      `/api/v2/personFields?limit=500&cursor=${first.body.additional_data.next_cursor}`,
    );
    expect(rest.body.additional_data.next_cursor).toBeNull();
    const all = await pd(sandbox(), 'GET', '/api/v2/personFields');
    expect([...first.body.data, ...rest.body.data]).toEqual(all.body.data);
  });

  it('renames a custom field by PATCH, refuses changing its type or a system field', async () => {
    const field = await addField({ field_name: 'Gender', field_type: 'varchar' });
    const renamed = await pd(sandbox(), 'PATCH', `/api/v2/personFields/${field.field_code}`, { field_name: 'Sex' });
    expect(renamed.status).toBe(200);
    assertResponse(renamed.body, 'PATCH', '/personFields/{field_code}');
    expect(renamed.body.data).toMatchObject({ field_code: field.field_code, field_name: 'Sex', field_type: 'varchar' });
    expect(
      (await pd(sandbox(), 'PATCH', `/api/v2/personFields/${field.field_code}`, { field_type: 'text' })).body.error,
    ).toContain('field_type: cannot be changed');
    expect((await pd(sandbox(), 'PATCH', `/api/v2/personFields/${field.field_code}`, {})).status).toBe(400);
    expect(
      (await pd(sandbox(), 'PATCH', '/api/v2/personFields/name', { field_name: 'Full name' })).body.error,
    ).toContain('system field');
  });

  it.each([
    [{ field_type: 'varchar' }, 'field_name'],
    [{ field_name: 'x', field_type: 'blob' }, 'field_type: must be one of'],
    [{ field_name: 'x', field_type: 'enum' }, 'options: must be a non-empty array'],
    [{ field_name: 'x', field_type: 'enum', options: [{ label: 'A' }, { label: 'a' }] }, 'already an option'],
    [{ field_name: 'x', field_type: 'varchar', options: [{ label: 'A' }] }, 'only enum and set fields have options'],
    [{ field_name: '', field_type: 'varchar' }, 'field_name: must be a string of 1 to 255 characters'],
  ])('refuses the field %j with 400', async (body, message) => {
    const res = await pd(sandbox(), 'POST', '/api/v2/personFields', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
  });
});

describe('enum options', () => {
  it('creates an enum with options, adds more atomically, and answers only the new ones with ids', async () => {
    const field = await addField({
      field_name: 'Decade',
      field_type: 'enum',
      options: [{ label: '1880s' }, { label: '1890s' }],
    });
    expect(field.options!.map((o) => o.label)).toEqual(['1880s', '1890s']);
    const added = await pd(sandbox(), 'POST', `/api/v2/personFields/${field.field_code}/options`, [
      { label: '1900s' },
      { label: '1910s' },
    ]);
    expect(added.status).toBe(200);
    assertResponse(added.body, 'POST', '/personFields/{field_code}/options');
    expect(added.body).toEqual({
      success: true,
      data: [
        { id: expect.any(Number), label: '1900s' },
        { id: expect.any(Number), label: '1910s' },
      ],
      additional_data: null,
    });
    const ids = [...field.options!.map((o) => o.id), ...added.body.data.map((o: { id: number }) => o.id)];
    expect(new Set(ids).size).toBe(4);

    // All or nothing: one duplicate label refuses the whole call.
    const dup = await pd(sandbox(), 'POST', `/api/v2/personFields/${field.field_code}/options`, [
      { label: '1920s' },
      { label: '1880S' },
    ]);
    expect(dup.status).toBe(400);
    const now = await pd(sandbox(), 'GET', `/api/v2/personFields/${field.field_code}`);
    expect(now.body.data.options.map((o: { label: string }) => o.label)).toEqual(['1880s', '1890s', '1900s', '1910s']);

    expect((await pd(sandbox(), 'POST', `/api/v2/personFields/${field.field_code}/options`, [])).status).toBe(400);
    const text = await addField({ field_name: 'Note', field_type: 'text' });
    expect(
      (await pd(sandbox(), 'POST', `/api/v2/personFields/${text.field_code}/options`, [{ label: 'x' }])).body.error,
    ).toContain('only enum and set');
  });
});

describe('custom field values on persons', () => {
  it('stores values by key, lists every custom field (null when empty), clears with null, refuses bad values', async () => {
    const year = await addField({ field_name: 'Birth year', field_type: 'double' });
    const decade = await addField({ field_name: 'Decade', field_type: 'enum', options: [{ label: '1880s' }] });
    const tags = await addField({ field_name: 'Tags', field_type: 'set', options: [{ label: 'a' }, { label: 'b' }] });
    const option = decade.options![0].id;
    const created = await pd(sandbox(), 'POST', '/api/v2/persons', {
      name: 'Mary',
      custom_fields: { [year.field_code]: 1880, [decade.field_code]: option },
    });
    expect(created.status).toBe(200);
    expect(created.body.data.custom_fields).toEqual({
      [year.field_code]: 1880,
      [decade.field_code]: option,
      [tags.field_code]: null,
    });
    const id = created.body.data.id;

    const cleared = await pd(sandbox(), 'PATCH', `/api/v2/persons/${id}`, {
      custom_fields: { [year.field_code]: null },
    });
    expect(cleared.body.data.custom_fields[year.field_code]).toBeNull();
    expect(cleared.body.data.custom_fields[decade.field_code]).toBe(option);

    const bad = await pd(sandbox(), 'PATCH', `/api/v2/persons/${id}`, {
      custom_fields: { [year.field_code]: '1880', [decade.field_code]: 999_999, [tags.field_code]: [] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain(`custom_fields.${year.field_code}: must be a number`);
    expect(bad.body.error).toContain(
      `custom_fields.${decade.field_code}: must be the id of one of the field's options`,
    );
    expect(bad.body.error).toContain(`custom_fields.${tags.field_code}: must be a non-empty array`);
    const only = await pd(sandbox(), 'GET', `/api/v2/persons/${id}?custom_fields=${decade.field_code}`);
    expect(only.body.data.custom_fields).toEqual({ [decade.field_code]: option });
  });
});
