import * as assert from 'node:assert/strict';
import { computeFeatures } from '../../src/completion/filter/features';
import { nameFeatures, NO_NAME_FEATURES } from '../../src/completion/filter/names';

const PY_PREFIX = 'def total(items, scale=1):\n    """Sum the items."""\n    result = 0\n';
const PY_SUFFIX = '    return result * scale\n';
const PY_NEXT = '    return result * scale';

function py(line: string, next = PY_NEXT) {
  return nameFeatures(line, next, PY_PREFIX, PY_SUFFIX, 'python');
}

const TS_PREFIX = 'export function listUsers(users: User[]): string[] {\n  const names: string[] = [];\n';
const TS_SUFFIX = '  return names;\n}\n';

function ts(line: string, next = '  return names;') {
  return nameFeatures(line, next, TS_PREFIX, TS_SUFFIX, 'typescript');
}

describe('show-or-hide filter: what the names of a line say', () => {
  it('counts names used in the line but defined nowhere near, leaving out built-ins, keywords and the line\'s own bindings', () => {
    assert.equal(py('    result = sum(itms)').unknownNames, 1, 'a misspelt name');
    assert.equal(py('    result = sum(items)').unknownNames, 0, 'a built-in and an argument');
    assert.equal(py('    values = [x * scale for x in items]').unknownNames, 0, 'a comprehension variable');
    assert.equal(py('    result += sum(map(lambda v: v * 2, items))').unknownNames, 0, 'a lambda parameter');
    assert.equal(py('    total_value = helper(items, key=len)').unknownNames, 1, 'a keyword argument is not a use; the made-up helper is');
    assert.equal(py('    print(f"{missing} done")  # or other').unknownNames, 0, 'names inside strings and comments are not code');
    assert.equal(ts('  return userNames;').unknownNames, 1);
    assert.equal(ts('  const ids = users.map((u) => u.id);').unknownNames, 0, 'an arrow parameter');
    assert.equal(ts('  for (const user of users) names.push(user.name);').unknownNames, 0, 'a loop variable');
  });

  it('tells attributes from names: an attribute the file never mentions counts apart', () => {
    const features = py('    result = items.sorted_values()');
    assert.equal(features.unknownNames, 0);
    assert.equal(features.unknownAttributes, 1);
  });

  it('flags a jump out of the block with code after it at the same indentation, not the block\'s last line', () => {
    assert.equal(py('    return result').deadAfter, 1);
    assert.equal(py('    return result', '').deadAfter, 0, 'nothing follows');
    assert.equal(py('        return result', PY_NEXT).deadAfter, 0, 'the code below is outside the block');
    assert.equal(ts('  return names;', '}').deadAfter, 0);
    assert.equal(ts('  throw new Error("no users");').deadAfter, 1);
  });

  it('says whether the line binds a name the code below uses, or one nothing uses', () => {
    const prefix = 'def area(width, height):\n';
    const suffix = '    return size\n';
    assert.equal(nameFeatures('    size = width * height', '    return size', prefix, suffix, 'python').definesUsedBelow, 1);
    assert.equal(nameFeatures('    size = width * height', '    return size', prefix, suffix, 'python').assignsUnused, 0);
    assert.equal(nameFeatures('    extent = width * height', '    return size', prefix, suffix, 'python').assignsUnused, 1);
    assert.equal(nameFeatures('    return size', '', prefix, suffix, 'python').usesBelowOnly, 1, 'uses a name only the code below has');
  });

  it('gives the neutral values in a language without rules, and for a line without code', () => {
    assert.deepEqual(nameFeatures('  fmt.Println(missing)', '', 'package main\n', '', 'go'), NO_NAME_FEATURES);
    assert.deepEqual(py('    # a comment only'), NO_NAME_FEATURES);
  });

  it('reaches the filter through computeFeatures, on the whole line the suggestion makes', () => {
    const prefix = `${PY_PREFIX}    `;
    const features = computeFeatures({
      text: 'return reslt',
      candidates: [{ text: 'return reslt', logprob: -2, endLogprob: -0.1, minLogprob: -1, tokens: 3, stopReason: 'newline' }],
      index: 0,
      prefix,
      suffix: `\n${PY_SUFFIX}`,
      languageId: 'python',
      truncatedTokens: 0,
      syntax: 'clean',
    });
    assert.equal(features.unknownNames, 1);
    assert.equal(features.deadAfter, 1, 'the line is `    return reslt`, at the indentation of the return below');
  });
});
