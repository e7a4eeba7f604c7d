import assert from 'node:assert';
import { BadRequestException } from '@nestjs/common';
import {
  describeThrown,
  thrownCode,
  thrownMessage,
  thrownName,
  UNDESCRIBABLE,
} from './thrown-value';

class GetterThrows extends Error {
  override get message(): string {
    throw new Error('message getter');
  }
  get code(): string {
    throw new Error('code getter');
  }
}

class NameGetterThrows extends Error {
  override get name(): string {
    throw new Error('name getter');
  }
}

const revokedProxy = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

const throwingToString = { toString: () => assert.fail('toString') };

// Values a handler can throw that String() or a property read cannot describe, or barely.
const awkward: Array<[string, () => unknown, { name: string; message: string }]> = [
  [
    'a null-prototype object',
    () => Object.create(null),
    { name: 'object', message: UNDESCRIBABLE },
  ],
  [
    'an object whose toString throws',
    () => throwingToString,
    { name: 'Object', message: UNDESCRIBABLE },
  ],
  ['a Symbol', () => Symbol('boom'), { name: 'symbol', message: 'Symbol(boom)' }],
  ['a BigInt', () => 10n ** 30n, { name: 'bigint', message: '1000000000000000000000000000000' }],
  ['a revoked Proxy', revokedProxy, { name: 'object', message: UNDESCRIBABLE }],
  [
    'an Error subclass whose message getter throws',
    () => new GetterThrows(),
    // Error.prototype.toString reads the message too, so nothing of it can be said.
    { name: 'Error', message: UNDESCRIBABLE },
  ],
  [
    'an Error subclass whose name getter throws',
    () => new NameGetterThrows('balance too low'),
    { name: 'NameGetterThrows', message: 'balance too low' },
  ],
];

describe('thrownName, thrownMessage, describeThrown', () => {
  it.each(awkward)('%s: described without throwing', (_what, make, expected) => {
    const value = make();
    expect(thrownName(value)).toBe(expected.name);
    expect(thrownMessage(value)).toBe(expected.message);
    expect(describeThrown(value)).toBe(
      typeof value === 'object' ? `${expected.name}: ${expected.message}` : expected.message,
    );
    expect(thrownCode(value)).toBeUndefined();
  });

  it('an Error: its class and message; a thrown string or null: its text', () => {
    const error = Object.assign(new TypeError('bad amount'), { code: 'E_AMOUNT' });
    expect(describeThrown(error)).toBe('TypeError: bad amount');
    expect(thrownCode(error)).toBe('E_AMOUNT');
    expect(describeThrown('plain words')).toBe('plain words');
    expect(describeThrown(null)).toBe('null');
    expect(describeThrown(undefined)).toBe('undefined');
    expect(thrownName(undefined)).toBe('undefined');
    // A thrown payload's own `name` is data, not a class.
    expect(thrownName({ name: 'Zoë Payload', amount: 5 })).toBe('Object');
  });

  it("an HttpException: its message and the reasons its response lists (a ValidationPipe's)", () => {
    const rejected = new BadRequestException([
      'amount must be a positive number',
      'id is required',
    ]);
    expect(thrownMessage(rejected)).toBe(
      'Bad Request Exception: amount must be a positive number; id is required',
    );
    expect(thrownMessage(new BadRequestException('no amount'))).toBe('no amount');
    const broken = Object.assign(new Error('m'), { getResponse: () => assert.fail('response') });
    expect(thrownMessage(broken)).toBe('m');
  });

  it('one line of bounded, safe text: the thrower wrote it, it may hold anything', () => {
    const line = describeThrown(
      new Error(`Invalid order {"note":"a\nb\u0000"}${'x'.repeat(5_000)}`),
    );
    expect(line).toMatch(/^Error: Invalid order \{"note":"a b "\}x+…$/);
    expect(line).toHaveLength(1_000);
  });
});
