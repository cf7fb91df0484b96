import { describe, expect, it } from 'vitest';
import { createTopicsServed, topicsServed } from './topics';

/** A clock that moves only when the helper sleeps. */
function fakeTime() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

const notHosted = () =>
  Object.assign(new Error('This server does not host this topic-partition'), { retriable: true });

describe('topicsServed', () => {
  it('asks each topic again until its leader answers, and stops asking the served ones', async () => {
    const calls: string[] = [];
    let refusals = 2;
    const admin = {
      fetchTopicOffsets: async (topic: string) => {
        calls.push(topic);
        if (topic === 'b' && refusals-- > 0) throw notHosted();
        return [];
      },
    };
    await topicsServed(admin, ['a', 'b'], fakeTime());
    expect(calls).toEqual(['a', 'b', 'b', 'b']);
  });

  it('fails at the deadline naming the topic and the broker error', async () => {
    const admin = {
      fetchTopicOffsets: async () => {
        throw notHosted();
      },
    };
    await expect(topicsServed(admin, ['t'], { ...fakeTime(), timeoutMs: 1000 })).rejects.toThrow(
      't is not served after 1000 ms: This server does not host this topic-partition',
    );
  });

  it('throws a non-retriable error at once', async () => {
    let calls = 0;
    const admin = {
      fetchTopicOffsets: async () => {
        calls++;
        throw new Error('Not authorized to access topics');
      },
    };
    await expect(topicsServed(admin, ['t'], fakeTime())).rejects.toThrow('Not authorized');
    expect(calls).toBe(1);
  });
});

describe('createTopicsServed', () => {
  it("creates without kafkajs's leader wait, then waits for every named topic", async () => {
    const asked: string[] = [];
    let created: unknown;
    const admin = {
      createTopics: async (options: unknown) => {
        created = options;
        return true;
      },
      fetchTopicOffsets: async (topic: string) => {
        asked.push(topic);
        return [];
      },
    };
    const topics = [
      { topic: 'x', numPartitions: 4 },
      { topic: 'y', numPartitions: 1 },
    ];
    expect(await createTopicsServed(admin, topics, fakeTime())).toBe(true);
    expect(created).toEqual({ waitForLeaders: false, topics });
    expect(asked).toEqual(['x', 'y']);
  });
});
