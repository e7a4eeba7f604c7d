import { hasUtf8Form, toUtf8Form } from './utf8-form';

describe('the UTF-8 form of a string', () => {
  const pairs = ['', 'order-7', 'Zoë €', '𝄞', 'a𝄞b𝄞'];
  const lone = [
    '\uD800',
    '\uDC00',
    'x\uD800y',
    'x\uDC00',
    '\uDC00\uD800',
    '𝄞\uD800',
    '\uD834\uD834\uDD1E',
  ];

  it('is the string itself when every surrogate is half of a pair', () => {
    for (const text of pairs) {
      expect(hasUtf8Form(text)).toBe(true);
      expect(toUtf8Form(text)).toBe(text);
    }
  });

  it('does not exist with a lone surrogate, which encoding writes as U+FFFD', () => {
    for (const text of lone) {
      expect(hasUtf8Form(text)).toBe(false);
      expect(toUtf8Form(text)).toBe(Buffer.from(text, 'utf8').toString('utf8'));
    }
    expect(toUtf8Form('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
  });
});
