import * as assert from 'node:assert/strict';
import { Snooze } from '../../src/completion/Snooze';
import { Stats, formatStats, percentile } from '../../src/completion/Stats';

describe('Stats', () => {
  it('counts a suggestion once while it is typed through, and its accept', () => {
    const stats = new Stats(() => 0);
    stats.shown(1, 'python', { latencyMs: 100, tokensPerSecond: 20 });
    stats.shown(1, 'python', undefined, 1);
    stats.accepted(1);
    stats.accepted(1);
    const { total } = stats.snapshot();
    assert.deepEqual({ shown: total.shown, full: total.acceptedFull, partial: total.acceptedPartial, rate: total.acceptanceRate }, { shown: 1, full: 1, partial: 0, rate: 1 });
  });

  it('counts a suggestion the user took part of as partly accepted, per language', () => {
    const stats = new Stats(() => 0);
    stats.shown(1, 'python', { latencyMs: 100 });
    stats.shown(1, 'python', undefined, 5);
    stats.shown(2, 'typescript', { latencyMs: 300 });
    stats.shown(3, 'typescript', { latencyMs: 200 });
    stats.accepted(2);
    stats.hidden('typescript');
    const snapshot = stats.snapshot();
    assert.equal(snapshot.perLanguage.python?.acceptedPartial, 1);
    assert.equal(snapshot.perLanguage.typescript?.acceptedFull, 0, 'an accept of a suggestion no longer shown is not counted');
    assert.equal(snapshot.perLanguage.typescript?.hidden, 1);
    assert.equal(snapshot.total.shown, 3);
    assert.equal(snapshot.latencyP50Ms, 200);
    assert.equal(snapshot.latencyP95Ms, 300);
    assert.equal(snapshot.tokensPerSecond, undefined);
  });

  it('counts the suggestion on screen as partly taken in a snapshot, without counting it twice later', () => {
    const stats = new Stats(() => 0);
    stats.shown(1, 'go', { latencyMs: 1 }, 3);
    assert.equal(stats.snapshot().total.acceptedPartial, 1);
    stats.shown(2, 'go', { latencyMs: 1 });
    assert.equal(stats.snapshot().total.acceptedPartial, 1);
  });

  it('formats a tooltip and a table', () => {
    const stats = new Stats(() => 0);
    stats.shown(1, 'python', { latencyMs: 120, tokensPerSecond: 30 });
    stats.accepted(1);
    const text = formatStats(stats.snapshot(), true);
    assert.match(text, /1 shown, 1 accepted, 0 partly, 0 hidden \(100% taken\)/);
    assert.match(text, /p50 120 ms/);
    assert.match(text, /30\.0 tokens\/s/);
    assert.match(text, /\| python \| 1 \| 1 \| 0 \| 0 \| 100% \|/);
  });

  it('percentile is nearest-rank', () => {
    assert.equal(percentile([5, 1, 3, 2, 4], 0.5), 3);
    assert.equal(percentile([5, 1, 3, 2, 4], 0.95), 5);
    assert.equal(percentile([], 0.5), undefined);
  });
});

describe('Snooze', () => {
  it('pauses for the minutes asked, then ends by itself', () => {
    let now = 1000;
    const snooze = new Snooze(() => now);
    assert.equal(snooze.active, false);
    snooze.start(5);
    assert.equal(snooze.active, true);
    now += 5 * 60_000 - 1;
    assert.equal(snooze.active, true);
    now += 1;
    assert.equal(snooze.active, false);
    snooze.start(30);
    snooze.stop();
    assert.equal(snooze.active, false);
  });
});
