/** Writes base/kafka/topics.yaml from topicSpecs() (see topics.ts), formatted as the repository's Prettier does. */
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { renderTopics, TOPICS_FILE } from './topics';

const options = (await resolveConfig(TOPICS_FILE)) ?? {};
writeFileSync(TOPICS_FILE, await format(renderTopics(), { ...options, filepath: TOPICS_FILE }));
console.log(`wrote ${TOPICS_FILE}`);
