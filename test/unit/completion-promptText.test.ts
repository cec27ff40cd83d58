import * as assert from 'node:assert/strict';
import { languageIdForPath, lineCommentFor } from '../../src/completion/languages';
import { buildPromptText } from '../../src/completion/promptText';

describe('prompt text', () => {
  it('writes the instruction as a comment after the context, in the language of the file', () => {
    assert.equal(
      buildPromptText({ instruction: 'sort by age\nthen by name', context: 'people = load()\n\n\n', languageId: 'python' }),
      'people = load()\n\n# sort by age\n# then by name\n',
    );
    assert.equal(buildPromptText({ instruction: 'a debounce helper', context: '', languageId: 'typescript' }), '// a debounce helper\n');
  });

  it('leaves the instruction as plain text where the language has no line comment', () => {
    assert.equal(buildPromptText({ instruction: 'list three colours', context: '', languageId: 'plaintext' }), 'list three colours\n');
  });

  it('knows languages by file extension and their comment markers', () => {
    assert.equal(languageIdForPath('/a/b/sample.PY'), 'python');
    assert.equal(languageIdForPath('x.tsx'), 'typescriptreact');
    assert.equal(languageIdForPath('Makefile'), 'plaintext');
    assert.equal(lineCommentFor('rust'), '//');
    assert.equal(lineCommentFor('sql'), '--');
    assert.equal(lineCommentFor('json'), undefined);
  });
});
