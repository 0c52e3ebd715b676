import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../../drills/schema/index.js';

describe('parseLabelSelector', () => {
  it('reads every supported requirement form', () => {
    const r = parseLabelSelector('pool=batch, tier==web,env!=prod,gpu,!spot, zone in (a, b),arch notin (arm64),example.com/team=sre');
    expect(r).toEqual({
      ok: true,
      requirements: [
        { key: 'pool', operator: '=', values: ['batch'] },
        { key: 'tier', operator: '=', values: ['web'] },
        { key: 'env', operator: '!=', values: ['prod'] },
        { key: 'gpu', operator: 'exists', values: [] },
        { key: 'spot', operator: 'notexists', values: [] },
        { key: 'zone', operator: 'in', values: ['a', 'b'] },
        { key: 'arch', operator: 'notin', values: ['arm64'] },
        { key: 'example.com/team', operator: '=', values: ['sre'] },
      ],
    });
  });

  it('accepts an empty value (matches nodes whose label is empty)', () => {
    expect(parseLabelSelector('pool=')).toEqual({ ok: true, requirements: [{ key: 'pool', operator: '=', values: [''] }] });
  });

  it.each([
    ['', 'the selector is empty'],
    ['pool=batch,', 'at the end: expected a label key'],
    ['pool=batch tier=db', "at character 12: expected ',' between requirements"],
    ['tier!!db', 'at character 5: expected an operator'],
    ['zone in a,b', "at character 9: expected '(' to start the value set"],
    ['zone in (a,b', "at the end: expected ',' or ')' in the value set"],
    ['zone in ()', 'at character 10: expected a value in the set'],
    ['zone between (a)', 'at character 13: unknown operator "between"'],
    ['-pool=x', 'at character 1: "-pool" is not a valid label key'],
    ['pool=bad value!', 'at character 10: expected \',\' between requirements'],
    [`pool=${'x'.repeat(64)}`, `at character 6: "${'x'.repeat(64)}" is not a valid label value`],
    ['Bad_Prefix.com/x=1', 'at character 1: "Bad_Prefix.com/x" is not a valid label key'],
  ])('refuses %j', (text, reason) => {
    expect(parseLabelSelector(text)).toEqual({ ok: false, reason });
  });
});
