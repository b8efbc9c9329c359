import type { BuildStore } from './build-store.ts';
import { addChunk, cardStatsFrom, type CardStats } from './card-stats.ts';

/** Key under which the card figures ride in every commit's stats and in the final report. */
export const CARD_STATS_KEY = 'card';

/**
 * A BuildStore that also accumulates the dataset card's figures (counts per domain and source, token lengths,
 * judge agreement) from the rows it commits. They are stored with each commit's stats, so a resumed build
 * continues from the committed figures, and added to the final report, where `datasetCard` reads them.
 */
export function withCardStats(store: BuildStore): BuildStore & { cardStats(): CardStats } {
  let stats: CardStats = cardStatsFrom(null);
  return {
    get dir() {
      return store.dir;
    },
    cardStats: () => structuredClone(stats),
    async open(identity, options) {
      const resume = await store.open(identity, options);
      stats = cardStatsFrom(resume.stats?.[CARD_STATS_KEY]);
      return resume;
    },
    async commit(rows, engineStats) {
      const next = addChunk(structuredClone(stats), rows);
      await store.commit(rows, { ...engineStats, [CARD_STATS_KEY]: next });
      stats = next; // only once committed: a failed commit leaves the figures as the directory has them
    },
    finish: (report) => store.finish({ ...report, [CARD_STATS_KEY]: structuredClone(stats) }),
    close: () => store.close(),
  };
}
