import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_CANDIDATES } from '../../src/completion/request';
import { DEFAULT_SETTINGS, ENGINE_RESTART_KEYS, flattenSettings } from '../../src/shared/settings';

interface ManifestProperty {
  type?: string;
  default?: unknown;
  maximum?: number;
  description?: string;
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, ManifestProperty> = manifest.contributes.configuration.properties;

describe('settings', () => {
  it('declares every default setting in package.json with the same default', () => {
    for (const [key, value] of flattenSettings(DEFAULT_SETTINGS)) {
      const declared = properties[`hearth.${key}`];
      assert.ok(declared, `package.json lacks hearth.${key}`);
      assert.deepEqual(declared.default, value, `default of hearth.${key}`);
    }
  });

  it('has no setting in package.json that the code does not know', () => {
    const known = new Set([...flattenSettings(DEFAULT_SETTINGS).keys()].map((key) => `hearth.${key}`));
    for (const key of Object.keys(properties)) assert.ok(known.has(key), `${key} is not in DEFAULT_SETTINGS`);
  });

  it('gives every setting a type, a default and a description', () => {
    for (const [key, property] of Object.entries(properties)) {
      assert.ok(property.type, `${key} has no type`);
      assert.ok('default' in property, `${key} has no default`);
      assert.ok(property.description && property.description.length > 10, `${key} has no description`);
    }
  });

  it('caps hearth.completion.candidates where the request builder caps it', () => {
    assert.equal(properties['hearth.completion.candidates']?.maximum, MAX_CANDIDATES);
  });

  it('names only existing settings as engine-restarting', () => {
    const known = new Set(flattenSettings(DEFAULT_SETTINGS).keys());
    for (const key of ENGINE_RESTART_KEYS) assert.ok(known.has(key), key);
  });
});

describe('manifest', () => {
  it('puts every command under the Hearth category', () => {
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, 'Hearth', command.command);
      assert.match(command.command, /^hearth\./);
    }
  });

  it('restricts model paths in untrusted workspaces', () => {
    const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    assert.ok(restricted.includes('hearth.model.path'));
  });
});
