import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEventDetail } from '#functions/event-detail';

const Detail = z.object({ shopId: z.string(), line: z.object({ sku: z.string(), quantity: z.number().int().positive() }) });

function recorder() {
  const lines: Array<{ message: string; details: unknown }> = [];
  return { lines, log: { error: (message: string, details: unknown) => void lines.push({ message, details }) } };
}

describe('parseEventDetail', () => {
  it('answers a well-formed detail, parsed, and logs nothing', () => {
    const { lines, log } = recorder();
    const detail = parseEventDetail(Detail, { id: 'evt-1', detail: { shopId: 'demo', line: { sku: 'MUG', quantity: 2 }, extra: true } }, 'malformed test event', log as never);
    expect(detail).toEqual({ shopId: 'demo', line: { sku: 'MUG', quantity: 2 } });
    expect(lines).toEqual([]);
  });

  it('drops a malformed detail, logging its event id and every issue with its path', () => {
    const { lines, log } = recorder();
    const detail = parseEventDetail(Detail, { id: 'evt-2', detail: { line: { sku: 'MUG', quantity: 0 } } }, 'malformed test event', log as never);
    expect(detail).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toBe('malformed test event');
    const { id, issues } = lines[0]!.details as { id: string; issues: string[] };
    expect(id).toBe('evt-2');
    expect(issues).toHaveLength(2);
    expect(issues.some((issue) => issue.startsWith('shopId: '))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('line.quantity: '))).toBe(true);
  });

  it('drops a detail that is not an object at all', () => {
    const { lines, log } = recorder();
    expect(parseEventDetail(Detail, { id: 'evt-3', detail: 'not json' }, 'malformed test event', log as never)).toBeUndefined();
    expect(lines).toHaveLength(1);
  });
});
