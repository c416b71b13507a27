import { describe, expect, it } from 'vitest';
import { burstSummary, describeWindow, failedRunText } from '../../src/runNotifications/failedRunMessages.js';

describe('the failed-run message text', () => {
  it('ends an error without a full stop as a sentence before the burst note', () => {
    const text = failedRunText({ errorText: 'CUDA out of memory on node 0', previousFolded: 0, previousWindowStart: undefined, windowMs: 300_000 });
    expect(text).toBe(
      'Error: CUDA out of memory on node 0. Further failures of this experiment in the next 5 minutes are counted and sent as one summary when that window closes.',
    );
  });

  it('keeps an error that already ends a sentence as it is, and reports the previous window', () => {
    const text = failedRunText({ errorText: 'Disk full!', previousFolded: 1, previousWindowStart: '2025-05-01T10:00:00.000Z', windowMs: 90_000 });
    expect(text).toBe(
      'Error: Disk full! 1 more failure of this experiment was folded since 2025-05-01T10:00:00.000Z. Further failures of this experiment in the next 90 seconds are counted and sent as one summary when that window closes.',
    );
  });

  it('puts a multi-line error (a stack trace) in its own paragraph', () => {
    const text = failedRunText({ errorText: 'Traceback (most recent call last):\n  File "train.py", line 3\nValueError: bad', previousFolded: 0, previousWindowStart: undefined, windowMs: 3_600_000 });
    expect(text).toBe(
      'Error: Traceback (most recent call last):\n  File "train.py", line 3\nValueError: bad.\n\nFurther failures of this experiment in the next 1 hour are counted and sent as one summary when that window closes.',
    );
  });

  it('says so when Azure ML recorded no error', () => {
    expect(failedRunText({ errorText: undefined, previousFolded: 3, previousWindowStart: undefined, windowMs: 60_000 })).toBe(
      'Azure ML recorded no error message for this job. 3 more failures of this experiment were folded since the last message. Further failures of this experiment in the next 1 minute are counted and sent as one summary when that window closes.',
    );
  });
});

describe('window lengths in words', () => {
  it.each([
    [300_000, '5 minutes'],
    [5_400_000, '1 hour 30 minutes'],
    [90_000, '90 seconds'],
    [86_400_000, '1 day'],
    [200, '1 second'],
  ])('%d ms reads "%s"', (ms, words) => {
    expect(describeWindow(ms)).toBe(words);
  });
});

describe('the burst summary', () => {
  it('counts the folded failures over the window, with the last error as a sentence and a link to its run', () => {
    const summary = burstSummary({
      workspaceName: 'mlw-demo',
      experimentName: 'nightly-scoring',
      folded: 19,
      windowStart: '2025-05-01T10:00:00.000Z',
      windowEnd: '2025-05-01T10:05:00.000Z',
      lastJobName: 'score-19',
      lastErrorText: 'CUDA out of memory on node 0',
      lastStudioLink: 'https://ml.azure.com/runs/score-19',
      eventId: 'evt-1',
    });
    expect(summary.title).toBe('19 more failures of experiment nightly-scoring in the last 5 minutes');
    expect(summary.text).toBe('They followed the failure reported at 2025-05-01T10:00:00.000Z. Last error (job score-19): CUDA out of memory on node 0.');
    expect(summary.link).toEqual({ title: 'Open the last failed run in Azure ML studio', url: 'https://ml.azure.com/runs/score-19' });
    expect(summary.facts).toContainEqual({ name: 'Failures folded', value: '19' });
  });
});
