/** Unit tests of the isolation logic, against a fake client (the HTTP side is covered against the sandbox). */
import { describe, expect, it } from 'vitest';
import { FatalError } from '@etl/core';
import type { HubspotClient, UpsertInput } from '@etl/sink-hubspot';
import { HubspotRequestError, Upserter, readableMessage } from '@etl/sink-hubspot/runtime';

const inputs = (n: number): UpsertInput[] =>
  Array.from({ length: n }, (_, i) => ({
    identity: `user${i}@example.com`,
    properties: { email: `user${i}@example.com`, firstname: `User ${i}` },
    hash: `h${i}`,
    traceId: `t${i}`,
    location: `file.csv:${i + 2}`,
    record: { i },
  }));

type Body = { inputs: Array<{ id: string; objectWriteTraceId: string }> };

/** A fake remote: `answer` sees each request's inputs and returns a body or throws. */
function fakeClient(answer: (body: Body) => unknown) {
  const requests: Body[] = [];
  const client = {
    async request(_method: string, _path: string, body: Body) {
      requests.push(body);
      return { status: 200, data: answer(body), headers: {} };
    },
  } as unknown as HubspotClient;
  return { client, requests };
}

const ok = (body: Body, skip: (id: string) => boolean = () => false) => ({
  status: 'COMPLETE',
  results: body.inputs
    .filter((input) => !skip(input.id))
    .map((input, n) => ({ id: `${1000 + n}`, new: true, properties: { email: input.id } })),
});

const invalidEmail = (email: string) =>
  new HubspotRequestError(
    400,
    {
      category: 'VALIDATION_ERROR',
      message: `Property values were not valid: [{"isValid":false,"message":"Email address ${email} is invalid","error":"INVALID_EMAIL","name":"email"}]`,
    },
    'POST /crm/v3/objects/contacts/batch/upsert',
  );

describe('Upserter', () => {
  it('maps 207 errors back by objectWriteTraceId: the rest land in one request', async () => {
    const { client, requests } = fakeClient((body) => ({
      ...ok(body, (id) => id === 'user3@example.com'),
      numErrors: 1,
      errors: [
        {
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: 'bad value',
          context: { objectWriteTraceId: ['t3'] },
        },
      ],
    }));
    const outcome = await new Upserter(client, 'contacts', 'email').upsert(inputs(10));
    expect(requests).toHaveLength(1);
    expect(outcome.acknowledged).toHaveLength(9);
    expect(outcome.rejected).toEqual([
      { input: expect.objectContaining({ traceId: 't3' }), reason: 'HubSpot rejected the contact: bad value' },
    ]);
  });

  it("isolates the input a whole-batch 400 names, with HubSpot's message", async () => {
    const { client, requests } = fakeClient((body) => {
      const bad = body.inputs.find((input) => input.id === 'user42@example.com');
      if (bad) throw invalidEmail(bad.id);
      return ok(body);
    });
    const outcome = await new Upserter(client, 'contacts', 'email').upsert(inputs(100));
    expect(outcome.acknowledged).toHaveLength(99);
    expect(outcome.rejected).toHaveLength(1);
    expect(outcome.rejected[0].input.location).toBe('file.csv:44');
    expect(outcome.rejected[0].reason).toContain(
      'Email address user42@example.com is invalid (INVALID_EMAIL on email)',
    );
    expect(requests).toHaveLength(2);
  });

  it('bisects a whole-batch 400 that names nobody until each bad input stands alone', async () => {
    const badOnes = new Set(['user7@example.com', 'user61@example.com']);
    const { client, requests } = fakeClient((body) => {
      if (body.inputs.some((input) => badOnes.has(input.id)))
        throw new HubspotRequestError(400, { message: 'something in there is wrong' }, 'POST x');
      return ok(body);
    });
    const outcome = await new Upserter(client, 'contacts', 'email').upsert(inputs(100));
    expect(outcome.acknowledged.map((a) => a.input.identity).sort()).toEqual(
      inputs(100)
        .map((i) => i.identity)
        .filter((id) => !badOnes.has(id))
        .sort(),
    );
    expect(outcome.rejected.map((r) => r.input.identity).sort()).toEqual([...badOnes].sort());
    expect(requests.length).toBeLessThan(30); // bisection, not one request per input
  });

  it('stops the run instead of bisecting when a mapped property is missing', async () => {
    const { client, requests } = fakeClient(() => {
      throw new HubspotRequestError(
        400,
        {
          message:
            'Property values were not valid: [{"isValid":false,"message":"Property \\"nope\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"nope"}]',
        },
        'POST x',
      );
    });
    await expect(new Upserter(client, 'contacts', 'email').upsert(inputs(50))).rejects.toThrow(FatalError);
    expect(requests).toHaveLength(1);
  });

  it('resends inputs that got neither a result nor an error', async () => {
    let first = true;
    const { client, requests } = fakeClient((body) => {
      if (first) {
        first = false;
        return ok(body, (id) => id === 'user1@example.com');
      }
      return ok(body);
    });
    const outcome = await new Upserter(client, 'contacts', 'email').upsert(inputs(5));
    expect(outcome.acknowledged).toHaveLength(5);
    expect(requests[1].inputs.map((i) => i.id)).toEqual(['user1@example.com']);
  });
});

describe('readableMessage', () => {
  it("keeps the human part of HubSpot's embedded property errors", () => {
    expect(
      readableMessage({
        message:
          'Property values were not valid: [{"message":"Email address x is invalid","error":"INVALID_EMAIL","name":"email"}]',
      }),
    ).toBe('Property values were not valid: Email address x is invalid (INVALID_EMAIL on email)');
    expect(readableMessage({ message: 'plain' })).toBe('plain');
  });
});
