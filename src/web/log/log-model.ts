import { applyToLane, endLane, newLane, summaryOf, type LaneState, type LaneSummary } from './lane.js';
import { kindOf, parsePrefix, plainText } from './line.js';
import { openByDefault, type Section } from './section.js';

/** How an appended line was taken: the next line, one already held, or one past a gap (not taken). */
export type AppendResult = 'added' | 'duplicate' | 'gap';

/** The statuses an action ends with that count as success; anything else fails its running lanes. */
const SUCCEEDED = 'SUCCESSFUL';

/**
 * One action execution's log, growing line by line. Every append does a constant amount of work (a few regular
 * expressions on that line, no re-scan): appending to a 100,000-line model costs what appending to an empty one
 * does (bench/web/log-viewer.ts measures both). Lines are kept as the stream sent them; what the views need is
 * derived per line once: its lane, its section and its lower-cased plain text for search.
 */
export interface LogModel {
  readonly length: number;
  /** The action's final status once the stream ended, else null. */
  readonly endStatus: string | null;
  /** Increases on every change (a new line, the end): a view compares it to know it is stale. */
  readonly version: number;
  /** Takes line `n` when it is the next one (`n === length`). */
  append(n: number, raw: string): AppendResult;
  end(status: string): void;
  raw(n: number): string;
  /** The line without its platform prefix. */
  text(n: number): string;
  platformOf(n: number): string | null;
  sectionOf(n: number): Section | null;
  /** Lower-cased plain text of the whole line (prefix included), what search looks in. */
  searchText(n: number): string;
  /** The lanes in the order their first line came. */
  lanes(): LaneSummary[];
  lane(platform: string): LaneSummary | undefined;
  /** The line numbers of a lane, ascending. */
  laneLines(platform: string): readonly number[];
  sections(): readonly Section[];
  /** Whether a section is open unless toggled (section.ts `openByDefault`). */
  openByDefault(section: Section): boolean;
}

interface LaneRecord {
  state: LaneState;
  lines: number[];
  section: Section | null;
}

export function createLogModel(): LogModel {
  const raws: string[] = [];
  const prefixLengths: number[] = [];
  const laneIndexOf: number[] = []; // -1: shared
  const sectionIdOf: number[] = []; // -1: none
  const lowered: string[] = [];
  const laneList: LaneRecord[] = [];
  const laneByPlatform = new Map<string, number>();
  const sectionList: Section[] = [];
  let endStatus: string | null = null;
  let version = 0;

  const laneFor = (platform: string): number => {
    let i = laneByPlatform.get(platform);
    if (i === undefined) {
      i = laneList.length;
      laneList.push({ state: newLane(platform), lines: [], section: null });
      laneByPlatform.set(platform, i);
    }
    return i;
  };

  const newSection = (lane: LaneRecord, title: string, first: number): Section => {
    const section: Section = {
      id: sectionList.length,
      platform: lane.state.platform,
      title,
      first,
      lines: 0,
      failed: false,
    };
    sectionList.push(section);
    lane.section = section;
    return section;
  };

  return {
    get length() {
      return raws.length;
    },
    get endStatus() {
      return endStatus;
    },
    get version() {
      return version;
    },
    append(n, raw) {
      if (n < raws.length) return 'duplicate';
      if (n > raws.length || endStatus !== null) return 'gap';
      const { platform, length: prefixLength } = parsePrefix(raw);
      const plain = plainText(prefixLength ? raw.slice(prefixLength) : raw);
      raws.push(raw);
      prefixLengths.push(prefixLength);
      lowered.push((prefixLength ? raw.slice(0, prefixLength) + plain : plain).toLowerCase());
      if (platform === null) {
        laneIndexOf.push(-1);
        sectionIdOf.push(-1);
      } else {
        const index = laneFor(platform);
        const lane = laneList[index]!;
        const kind = kindOf(plain);
        applyToLane(lane.state, kind);
        lane.lines.push(n);
        const section =
          kind.kind === 'step' || !lane.section
            ? newSection(lane, kind.kind === 'step' ? plain : 'setup', n)
            : lane.section;
        section.lines++;
        if (kind.kind === 'error') section.failed = true;
        laneIndexOf.push(index);
        sectionIdOf.push(section.id);
      }
      version++;
      return 'added';
    },
    end(status) {
      if (endStatus !== null) return;
      endStatus = status;
      for (const lane of laneList) {
        endLane(lane.state, status === SUCCEEDED);
        const failedSection = sectionList.some((s) => s.failed && s.platform === lane.state.platform);
        if (lane.state.status === 'failed' && !failedSection && lane.section) lane.section.failed = true;
      }
      version++;
    },
    raw: (n) => raws[n] ?? '',
    text: (n) => (raws[n] ?? '').slice(prefixLengths[n] ?? 0),
    platformOf: (n) => laneList[laneIndexOf[n] ?? -1]?.state.platform ?? null,
    sectionOf: (n) => sectionList[sectionIdOf[n] ?? -1] ?? null,
    searchText: (n) => lowered[n] ?? '',
    lanes: () => laneList.map((l) => summaryOf(l.state)),
    lane(platform) {
      const i = laneByPlatform.get(platform);
      return i === undefined ? undefined : summaryOf(laneList[i]!.state);
    },
    laneLines: (platform) => laneList[laneByPlatform.get(platform) ?? -1]?.lines ?? [],
    sections: () => sectionList,
    openByDefault(section) {
      const lane = laneList[laneByPlatform.get(section.platform) ?? -1];
      return openByDefault(section, endStatus !== null, lane?.state.status === 'failed');
    },
  };
}
